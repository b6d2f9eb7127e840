namespace LvmCloud.Cli.Models;

/// <summary>One file of a model folder being pushed: its path relative to the folder ('/'), its size, and its SHA-256
/// (lowercase hex) once it has been read.</summary>
public sealed record ModelPushFile(string Path, long Size, string? Sha256 = null);
