using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using LvmCloud.Core.Storage;
using LvmCloud.Platform.Storage;
using LvmCloud.Platform.Tests.Infrastructure;

namespace LvmCloud.Platform.Tests.Storage;

/// <summary>The store contract on an Azurite container (a fresh container per test, under a prefix to show it is respected).</summary>
[Collection(AzuriteCollection.Name)]
public sealed class BlobStoreContractTests(AzuriteFixture azurite) : FileStoreContract
{
    private readonly BlobContainerClient _container = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient("contract-" + Guid.NewGuid().ToString("N")[..12]);

    public override async Task InitializeAsync() => await _container.CreateIfNotExistsAsync();

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _container.DeleteIfExistsAsync();
    }

    protected override Task<IFileStore> CreateStoreAsync() => Task.FromResult<IFileStore>(new BlobStore(_container, "under/"));

    /// <summary>One request up to 1 MiB, blocks of 256 KiB beyond.</summary>
    protected override Task<IFileStore> CreateBlockWritingStoreAsync() =>
        Task.FromResult<IFileStore>(new BlobStore(_container, "blocks/", singleUploadLimit: 1024 * 1024, blockSize: 256 * 1024));

    [Fact]
    public async Task A_large_file_is_committed_from_several_blocks()
    {
        var store = (BlobStore)await CreateBlockWritingStoreAsync();
        var bytes = new byte[(3 * 512 * 1024) + 123];
        new Random(5).NextBytes(bytes);
        await store.WriteBytesAsync("weights/model.safetensors", bytes);

        var blocks = (await _container.GetBlockBlobClient("blocks/weights/model.safetensors").GetBlockListAsync()).Value.CommittedBlocks.ToList();
        Assert.Equal(7, blocks.Count); // 1.5 MiB + 123 bytes in blocks of 256 KiB
        Assert.Equal(bytes, await store.ReadAllBytesAsync("weights/model.safetensors"));
    }
}
