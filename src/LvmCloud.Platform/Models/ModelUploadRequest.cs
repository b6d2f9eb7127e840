namespace LvmCloud.Platform.Models;

/// <summary>
/// Body of <c>POST /api/models/{name}/{version}/uploads</c>: the files of a model folder the client will upload,
/// relative to <c>{name}/{version}/</c> (<c>tokenizer/...</c>, <c>transformer/...</c>), with their sizes in bytes.
/// <c>lvm.json</c> is not among them: <c>POST .../commit</c> writes it.
/// </summary>
public sealed record ModelUploadRequest(IReadOnlyList<ModelUploadFile>? Files);

/// <summary>One announced file: its path relative to the model's folder and its size in bytes.</summary>
public sealed record ModelUploadFile(string Path, long Size);
