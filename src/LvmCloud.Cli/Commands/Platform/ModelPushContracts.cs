namespace LvmCloud.Cli.Commands.Platform;

/// <summary>The answer to <c>POST /api/models/{name}/{version}/uploads</c>: one SAS URL per announced file, until <see cref="ExpiresOn"/>.</summary>
public sealed record ModelUploadGrantView(string Model, DateTimeOffset ExpiresOn, IReadOnlyDictionary<string, Uri> Uploads, long Bytes);

/// <summary>The answer to <c>POST /api/models/{name}/{version}/commit</c>: the model is registered.</summary>
public sealed record ModelCommitView(string Model, DateTimeOffset RegisteredAt, int Files, long Bytes);

/// <summary>The answer to <c>POST /api/models/{name}/{version}/downloads</c>: one read-only SAS URL per file of the model, until <see cref="ExpiresOn"/>.</summary>
public sealed record ModelDownloadGrantView(string Model, DateTimeOffset ExpiresOn, IReadOnlyDictionary<string, Uri> Downloads, long Bytes);
