namespace LvmCloud.Platform.Models;

/// <summary>
/// The answer to <c>POST /api/models/{name}/{version}/downloads</c>: per file of a registered model (<c>lvm.json</c>
/// included, paths relative to <c>models/{name}/{version}/</c>), a SAS URL that can only read exactly that blob, until
/// <see cref="ExpiresOn"/>. <c>lvm models pull</c> reads the files in ranges straight from storage.
/// </summary>
/// <param name="Model">The model, <c>name/version</c>.</param>
/// <param name="ExpiresOn">When every URL of this answer stops working; ask again to go on.</param>
/// <param name="Downloads">One URL per file.</param>
/// <param name="Bytes">The files' sizes, added up.</param>
public sealed record ModelDownloadGrant(string Model, DateTimeOffset ExpiresOn, IReadOnlyDictionary<string, Uri> Downloads, long Bytes);
