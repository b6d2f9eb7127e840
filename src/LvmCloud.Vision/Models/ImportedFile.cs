namespace LvmCloud.Vision.Models;

/// <summary>A file of an imported model folder.</summary>
/// <param name="Path">Relative to the model folder, with '/' (<c>transformer/model-00001-of-00003.safetensors</c>).</param>
/// <param name="Bytes">File length.</param>
/// <param name="Linked">A hard link to the downloaded file (no bytes copied), else a copy.</param>
public sealed record ImportedFile(string Path, long Bytes, bool Linked);
