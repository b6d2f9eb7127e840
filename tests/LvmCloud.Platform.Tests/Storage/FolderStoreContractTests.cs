using LvmCloud.Core.Storage;

namespace LvmCloud.Platform.Tests.Storage;

/// <summary>The store contract on a local folder.</summary>
public sealed class FolderStoreContractTests : FileStoreContract
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("lvm-folder-store-");

    protected override Task<IFileStore> CreateStoreAsync() => Task.FromResult<IFileStore>(new FolderStore(_root.FullName));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _root.Delete(recursive: true);
    }
}
