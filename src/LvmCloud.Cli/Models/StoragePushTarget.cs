using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using LvmCloud.Vision.Pipelines;

namespace LvmCloud.Cli.Models;

/// <summary>
/// Pushes into the <c>models</c> container with the client's own storage credentials (<c>--connection</c>):
/// <c>{name}/{version}/...</c>, and <c>lvm.json</c> written by the client last. Every file is a block blob of the
/// container, as the API's SAS grants hand them out (<see cref="ApiPushTarget"/>): the same uploader serves both.
/// </summary>
public sealed class StoragePushTarget(BlobContainerClient models) : IModelPushTarget
{
    private string _prefix = "";

    public bool CanRenew => false;

    public async Task PrepareAsync(string name, string version, IReadOnlyList<ModelPushFile> files, CancellationToken cancellationToken)
    {
        _prefix = $"{name}/{version}/";
        if ((await Blob(LvmModelSettings.FileName).ExistsAsync(cancellationToken)).Value)
            throw new InvalidOperationException($"Model {name}/{version} is registered already ({_prefix}{LvmModelSettings.FileName} exists); push it as another version.");
        await models.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
    }

    public Task<BlockBlobClient> BlobAsync(string relative, bool renew, CancellationToken cancellationToken) =>
        Task.FromResult(Blob(relative));

    public async Task CommitAsync(LvmModelSettings settings, IReadOnlyList<ModelPushFile> files, CancellationToken cancellationToken)
    {
        using var content = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(settings, new JsonSerializerOptions { WriteIndented = true }));
        await Blob(LvmModelSettings.FileName).UploadAsync(content, cancellationToken: cancellationToken);
    }

    private BlockBlobClient Blob(string relative) => models.GetBlockBlobClient(_prefix + relative);
}
