using LvmCloud.Core.Storage;

namespace LvmCloud.Core.Tests.Storage;

public sealed class FolderStoreTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Writes_reads_lists_and_deletes_files_by_relative_path()
    {
        var store = new FolderStore(_dir.Path);
        await store.WriteTextAsync("items/a/x.json", "{\"a\":1}");
        await store.WriteBytesAsync("items/b.png", new byte[] { 1, 2, 3 });
        await store.WriteTextAsync("other.txt", "o");

        Assert.Equal("{\"a\":1}", await store.ReadAllTextAsync("items/a/x.json"));
        Assert.Equal(new byte[] { 1, 2, 3 }, await store.ReadAllBytesAsync("items/b.png"));
        Assert.True(File.Exists(Path.Combine(_dir.Path, "items", "a", "x.json")));

        var listed = new List<string>();
        await foreach (var file in store.ListAsync("items/")) listed.Add(file.Path);
        Assert.Equal(["items/a/x.json", "items/b.png"], listed);

        var info = await store.GetInfoAsync("items/b.png");
        Assert.Equal(3, info!.Length);
        Assert.True(await store.DeleteAsync("items/b.png"));
        Assert.False(await store.DeleteAsync("items/b.png"));
        Assert.Null(await store.GetInfoAsync("items/b.png"));
        await Assert.ThrowsAsync<FileNotFoundException>(() => store.OpenReadAsync("items/b.png"));
    }

    [Fact]
    public async Task Deleting_the_last_files_of_a_folder_removes_the_emptied_folders_but_not_the_root()
    {
        var store = new FolderStore(_dir.Path);
        await store.WriteTextAsync("run/step-1/model/config.json", "{}");
        await store.WriteTextAsync("run/step-1/optimizer.bin", "o");
        await store.WriteTextAsync("run/state.json", "{}");
        Assert.True(await store.DeleteAsync("run/step-1/model/config.json"));
        Assert.False(Directory.Exists(Path.Combine(_dir.Path, "run", "step-1", "model")));
        Assert.True(Directory.Exists(Path.Combine(_dir.Path, "run", "step-1")));
        Assert.True(await store.DeleteAsync("run/step-1/optimizer.bin"));
        Assert.False(Directory.Exists(Path.Combine(_dir.Path, "run", "step-1")));
        Assert.True(await store.DeleteAsync("run/state.json"));
        Assert.True(Directory.Exists(_dir.Path));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir.Path));
    }

    [Fact]
    public async Task A_rewrite_changes_the_version_and_leaves_no_partial_files()
    {
        var store = new FolderStore(_dir.Path);
        await store.WriteTextAsync("f.json", "1");
        var first = await store.GetInfoAsync("f.json");
        await Task.Delay(20);
        await store.WriteTextAsync("f.json", "22");
        var second = await store.GetInfoAsync("f.json");
        Assert.NotEqual(first!.Version, second!.Version);
        Assert.Single(Directory.GetFiles(_dir.Path));
    }

    [Theory]
    [InlineData("../escape.txt")]
    [InlineData("/etc/passwd")]
    [InlineData("a/../../b")]
    [InlineData("a\\b")]
    [InlineData("https://example.com/x")]
    public async Task Refuses_paths_that_leave_the_folder(string path)
    {
        var store = new FolderStore(_dir.Path);
        await Assert.ThrowsAsync<ArgumentException>(() => store.WriteTextAsync(path, "x"));
        await Assert.ThrowsAsync<ArgumentException>(() => store.OpenReadAsync(path));
    }

    [Fact]
    public async Task A_view_under_a_folder_sees_paths_relative_to_it()
    {
        var store = new FolderStore(_dir.Path);
        var items = store.Under("batch-1/items");
        await items.WriteTextAsync("a/result.json", "{}");
        Assert.True(await store.ExistsAsync("batch-1/items/a/result.json"));
        var listed = new List<string>();
        await foreach (var file in items.ListAsync()) listed.Add(file.Path);
        Assert.Equal(["a/result.json"], listed);
        Assert.EndsWith(Path.Combine("batch-1", "items", "a", "result.json"), items.Describe("a/result.json"));
    }

    [Fact]
    public async Task Refuses_to_read_a_file_over_the_size_limit_before_reading_it()
    {
        var store = new FolderStore(_dir.Path);
        await store.WriteBytesAsync("big.bin", new byte[100]);
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => store.ReadAllBytesAsync("big.bin", maxBytes: 10));
        Assert.Contains("100 bytes", error.Message);
    }
}
