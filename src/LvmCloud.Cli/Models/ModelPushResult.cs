namespace LvmCloud.Cli.Models;

/// <summary>What <c>lvm models push</c> did.</summary>
/// <param name="Model">The registered <c>name/version</c>.</param>
/// <param name="Files">Each file pushed, by its path under the model's prefix.</param>
/// <param name="BytesSent">Bytes sent by this run (blocks staged earlier or files already there are not counted).</param>
/// <param name="Seconds">Wall time of the transfer.</param>
public sealed record ModelPushResult(string Model, IReadOnlyDictionary<string, BlockUploadResult> Files, long BytesSent, double Seconds);
