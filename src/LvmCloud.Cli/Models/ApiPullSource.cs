using System.Net;
using System.Runtime.CompilerServices;
using Azure.Storage.Blobs;
using LvmCloud.Cli.Commands.Platform;
using LvmCloud.Core.Storage;

namespace LvmCloud.Cli.Models;

/// <summary>
/// The blobs of a registered model through the platform's API, with the API out of the data path:
/// <c>POST /api/models/{name}/{version}/downloads</c> grants one short-lived read-only SAS URL per file of the model
/// (asked again when it is about to expire or storage refuses one), and the ranges come straight from storage. No storage
/// key on the client. The listing reads each file's properties through its URL (a model has a handful of files).
/// </summary>
public sealed class ApiPullSource(PlatformApiClient api, string name, string version, TimeProvider? time = null) : ModelBlobReader
{
    /// <summary>A grant this close to its expiry is renewed before a file starts.</summary>
    public static readonly TimeSpan RenewBefore = TimeSpan.FromMinutes(2);

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private IReadOnlyDictionary<string, Uri> _downloads = new Dictionary<string, Uri>();
    private DateTimeOffset _expiresOn = DateTimeOffset.MinValue;

    public override bool CanRenew => true;

    public override async Task RenewAsync(bool force, CancellationToken cancellationToken)
    {
        if (force || _expiresOn - _time.GetUtcNow() < RenewBefore)
            await GrantAsync(cancellationToken);
    }

    public override string Describe(string path) =>
        _downloads.ContainsKey(path) ? base.Describe(path) : $"{api.Endpoint.GetLeftPart(UriPartial.Path).TrimEnd('/')}/api/models/{name}/{version}/{path}";

    protected override BlobClient Blob(string path) =>
        _downloads.TryGetValue(path, out var uri)
            ? new BlobClient(uri)
            : throw new FileNotFoundException($"The API granted no download URL for '{path}' of model {name}/{version}.", path);

    /// <summary>Asks for the URLs (once), then reads each file's length, ETag and metadata through its URL.</summary>
    /// <exception cref="ModelNotRegisteredException">The API answers 404: the model is not registered.</exception>
    public override async IAsyncEnumerable<StoredFile> ListAsync(string prefix = "", [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (_downloads.Count == 0)
            await GrantAsync(cancellationToken);
        foreach (var path in _downloads.Keys.Where(p => p.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList())
            yield return await GetInfoAsync(path, cancellationToken)
                ?? throw new FileNotFoundException($"'{Describe(path)}' of model {name}/{version} was granted but is not in storage (deleted meanwhile?).", path);
    }

    private async Task GrantAsync(CancellationToken cancellationToken)
    {
        try
        {
            var grant = await api.CreateModelDownloadsAsync(name, version, cancellationToken);
            (_downloads, _expiresOn) = (grant.Downloads, grant.ExpiresOn);
        }
        catch (PlatformApiException e) when (e.Status == HttpStatusCode.NotFound)
        {
            throw new ModelNotRegisteredException($"{e.Message} lvm models list shows the registered models.");
        }
    }
}
