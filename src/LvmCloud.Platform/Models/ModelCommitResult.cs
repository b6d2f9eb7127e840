namespace LvmCloud.Platform.Models;

/// <summary>The answer to <c>POST /api/models/{name}/{version}/commit</c>: the model is registered.</summary>
/// <param name="Model"><c>name/version</c>, now listed by <c>GET /api/models</c> and usable by a batch.</param>
/// <param name="RegisteredAt">When <c>lvm.json</c> was written.</param>
/// <param name="Files">The model's files, checked against storage.</param>
/// <param name="Bytes">Their sizes, added up.</param>
public sealed record ModelCommitResult(string Model, DateTimeOffset RegisteredAt, int Files, long Bytes);
