namespace LvmCloud.Platform.Batches;

/// <summary>
/// The answer to <c>POST /api/batches</c>: a new batch id and, per file the client announced, a SAS URL that can
/// create or overwrite exactly that blob under <c>batches/{batchId}/</c> until <see cref="ExpiresOn"/>.
/// Upload the inputs first and <c>manifest.jsonl</c> last: the manifest commits the batch.
/// </summary>
public sealed record BatchUploadGrant(string BatchId, DateTimeOffset ExpiresOn, IReadOnlyDictionary<string, Uri> Uploads, string? Model = null);

/// <summary>
/// Body of <c>POST /api/batches</c>: the files the client will upload, relative to <c>{batchId}/</c>, and the model the
/// batch runs on (a registered <c>models/{name}/{version}/</c>; default <c>Intake:DefaultModelName/Version</c>).
/// </summary>
public sealed record CreateBatchRequest(IReadOnlyList<string>? Files, Queues.ModelReference? Model = null);

/// <summary>Body of <c>POST /api/batches/{batchId}/uploads</c>: a further page of the batch's files, relative to <c>{batchId}/</c>.</summary>
public sealed record AddBatchUploadsRequest(IReadOnlyList<string>? Files);
