namespace LvmCloud.Cli.Models;

/// <summary>What <c>lvm models pull</c> did.</summary>
/// <param name="Model">The pulled <c>name/version</c>.</param>
/// <param name="Folder">The model folder written (full path).</param>
/// <param name="Files">Files in the folder, <c>lvm.json</c> included.</param>
/// <param name="Bytes">Their sizes, added up.</param>
/// <param name="BytesDownloaded">Bytes fetched by this run (files finished by an interrupted earlier run are not fetched again).</param>
/// <param name="Seconds">Wall time of the transfer.</param>
public sealed record ModelPullResult(string Model, string Folder, int Files, long Bytes, long BytesDownloaded, double Seconds);
