namespace LvmCloud.Platform.Models;

/// <summary>
/// The answer to <c>POST /api/models/{name}/{version}/uploads</c>: per announced file, a SAS URL that can create, write
/// (stage and commit blocks) and read (properties, block list: what a resumed upload needs) exactly that blob under
/// <c>models/{name}/{version}/</c> until <see cref="ExpiresOn"/>. Upload every file, then <c>POST .../commit</c>.
/// </summary>
/// <param name="Model">The model being pushed, <c>name/version</c>.</param>
/// <param name="ExpiresOn">When every URL of this answer stops working; ask again to go on (staged blocks stay).</param>
/// <param name="Uploads">One URL per announced path.</param>
/// <param name="Bytes">The announced sizes, added up.</param>
public sealed record ModelUploadGrant(string Model, DateTimeOffset ExpiresOn, IReadOnlyDictionary<string, Uri> Uploads, long Bytes);
