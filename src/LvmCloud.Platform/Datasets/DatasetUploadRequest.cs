namespace LvmCloud.Platform.Datasets;

/// <summary>
/// Body of <c>POST /api/datasets/{dataset}/uploads</c>: the files the client will upload, relative to the dataset
/// folder. A file given with the MD5 of its content (base64) that storage already holds with that MD5 is reported
/// unchanged and gets no URL, so re-uploading a folder does not change the ETags the next run compares.
/// </summary>
public sealed record DatasetUploadRequest(IReadOnlyList<DatasetUploadFile>? Files);

/// <summary>One announced file: its path relative to the dataset, and optionally the MD5 of its content (base64).</summary>
public sealed record DatasetUploadFile(string Path, string? Md5 = null);

/// <summary>
/// The answer: one create/write SAS URL per file to upload (until <see cref="ExpiresOn"/>), and the files that are
/// already there with the same content. Upload the images first and <c>sentences.jsonl</c> last: it is what the
/// upload trigger fires on.
/// </summary>
public sealed record DatasetUploadGrant(string Dataset, DateTimeOffset ExpiresOn, IReadOnlyDictionary<string, Uri> Uploads, IReadOnlyList<string> Unchanged);
