using System.Text.Json;
using Azure.Storage.Blobs.Specialized;
using LvmCloud.Cli.Commands.Platform;
using LvmCloud.Vision.Pipelines;

namespace LvmCloud.Cli.Models;

/// <summary>
/// Pushes through the platform's API without the API in the data path: <c>POST /api/models/{name}/{version}/uploads</c>
/// grants one short-lived SAS URL per file (asked in pages of <see cref="PageSize"/>, asked again when they are about to
/// expire or storage refuses one), the blocks go straight to storage, and <c>POST .../commit</c> checks every file's
/// size and SHA-256 and writes <c>lvm.json</c> on the server. No storage key on the client.
/// </summary>
public sealed class ApiPushTarget(PlatformApiClient api, TimeProvider? time = null) : IModelPushTarget
{
    /// <summary>Files per grant request (the API's limit).</summary>
    public const int PageSize = 100;

    /// <summary>A grant this close to its expiry is renewed before a file starts.</summary>
    public static readonly TimeSpan RenewBefore = TimeSpan.FromMinutes(5);

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Dictionary<string, Uri> _uploads = new(StringComparer.Ordinal);
    private IReadOnlyList<ModelPushFile> _files = [];
    private DateTimeOffset _expiresOn;
    private string _name = "", _version = "";

    public bool CanRenew => true;

    public async Task PrepareAsync(string name, string version, IReadOnlyList<ModelPushFile> files, CancellationToken cancellationToken)
    {
        (_name, _version, _files) = (name, version, files);
        await GrantAsync(cancellationToken);
    }

    public async Task<BlockBlobClient> BlobAsync(string relative, bool renew, CancellationToken cancellationToken)
    {
        if (renew || _expiresOn - _time.GetUtcNow() < RenewBefore)
            await GrantAsync(cancellationToken);
        return _uploads.TryGetValue(relative, out var uri)
            ? new BlockBlobClient(uri)
            : throw new InvalidOperationException($"The API granted no upload URL for '{relative}' of model {_name}/{_version}.");
    }

    public async Task CommitAsync(LvmModelSettings settings, IReadOnlyList<ModelPushFile> files, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.SerializeToNode(settings)!.AsObject();
        await api.CommitModelAsync(_name, _version, json, files.Select(f => (f.Path, f.Size,
            f.Sha256 ?? throw new InvalidOperationException($"'{f.Path}' has no SHA-256: it was not uploaded."))), cancellationToken);
    }

    /// <summary>Asks for every file's URL, in pages; the grant expires when its earliest page does.</summary>
    private async Task GrantAsync(CancellationToken cancellationToken)
    {
        var expiresOn = DateTimeOffset.MaxValue;
        foreach (var page in _files.Chunk(PageSize))
        {
            var grant = await api.CreateModelUploadsAsync(_name, _version, page.Select(f => (f.Path, f.Size)), cancellationToken);
            foreach (var (path, uri) in grant.Uploads)
                _uploads[path] = uri;
            if (grant.ExpiresOn < expiresOn)
                expiresOn = grant.ExpiresOn;
        }
        _expiresOn = expiresOn;
    }
}
