namespace LvmCloud.Platform.Training;

/// <summary>
/// Answer to <c>POST /api/training/uploads</c>: a new run id and, per announced file, a write-only SAS URL for
/// <c>training/{runId}/{file}</c> until <see cref="ExpiresOn"/>. Upload the shards, then start the run with
/// <c>POST /api/training</c> (naming this run id) or by uploading <c>run.json</c> through its URL.
/// </summary>
public sealed record TrainingUploadGrant(string RunId, DateTimeOffset ExpiresOn, IReadOnlyDictionary<string, Uri> Uploads);

/// <summary>Body of <c>POST /api/training/uploads</c>: the data files the client will upload, relative to the run's folder (<c>data/...</c>).</summary>
public sealed record TrainingUploadRequest(IReadOnlyList<string>? Files);
