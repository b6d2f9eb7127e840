using Azure.Storage.Blobs;
using LvmCloud.Core.Storage;
using LvmCloud.Platform.Storage;
using LvmCloud.Platform.Tests.Infrastructure;

namespace LvmCloud.Platform.Tests.Storage;

/// <summary>The store contract on a view under a folder (<see cref="FileStoreExtensions.Under"/>) of a local folder.</summary>
public sealed class PrefixedFolderStoreContractTests : FileStoreContract
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("lvm-prefixed-store-");

    protected override Task<IFileStore> CreateStoreAsync() => Task.FromResult(new FolderStore(_root.FullName).Under("runs/r1"));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _root.Delete(recursive: true);
    }
}

/// <summary>The store contract on a view under a folder of a blob store that has a prefix of its own.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class PrefixedBlobStoreContractTests(AzuriteFixture azurite) : FileStoreContract
{
    private readonly BlobContainerClient _container = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient("prefixed-" + Guid.NewGuid().ToString("N")[..12]);

    public override async Task InitializeAsync() => await _container.CreateIfNotExistsAsync();

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _container.DeleteIfExistsAsync();
    }

    protected override Task<IFileStore> CreateStoreAsync() => Task.FromResult(new BlobStore(_container, "runs/").Under("r1"));
}
