using Azure.Storage.Blobs.Specialized;
using LvmCloud.Vision.Pipelines;

namespace LvmCloud.Cli.Models;

/// <summary>
/// Where <see cref="ModelPusher"/> sends a model: the <c>models</c> container itself (<see cref="StoragePushTarget"/>,
/// a connection string) or the platform's API (<see cref="ApiPushTarget"/>: per-file SAS URLs, a commit call). Either
/// way the bytes go straight to storage. One instance serves one push: <see cref="PrepareAsync"/> first, then
/// <see cref="BlobAsync"/> per file, then <see cref="CommitAsync"/>.
/// </summary>
public interface IModelPushTarget
{
    /// <summary>Whether a blob client refused for lack of authorisation (an expired SAS) can be asked for again.</summary>
    bool CanRenew { get; }

    /// <summary>Refuses a registered version (<see cref="InvalidOperationException"/> or the API's 409) before any byte is sent.</summary>
    Task PrepareAsync(string name, string version, IReadOnlyList<ModelPushFile> files, CancellationToken cancellationToken);

    /// <summary>The block blob that <paramref name="relative"/> goes to; <paramref name="renew"/> asks for fresh access.</summary>
    Task<BlockBlobClient> BlobAsync(string relative, bool renew, CancellationToken cancellationToken);

    /// <summary>Writes <c>lvm.json</c> from <paramref name="settings"/> once every file is there: this registers the model.</summary>
    Task CommitAsync(LvmModelSettings settings, IReadOnlyList<ModelPushFile> files, CancellationToken cancellationToken);
}
