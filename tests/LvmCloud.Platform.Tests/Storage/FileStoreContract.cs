using System.Security.Cryptography;
using System.Text;
using LvmCloud.Core.Storage;

namespace LvmCloud.Platform.Tests.Storage;

/// <summary>
/// What every <see cref="IFileStore"/> does, run against a local folder and an Azurite container alike: ranged and
/// version-pinned reads, create-once and replace-version writes with metadata, one-level listings, the folder copies
/// and block-wise streaming reads. A store that passes these is interchangeable with the others.
/// </summary>
public abstract class FileStoreContract : IAsyncLifetime
{
    private readonly DirectoryInfo _local = Directory.CreateTempSubdirectory("lvm-store-contract-");

    /// <summary>A fresh, empty store for one test.</summary>
    protected abstract Task<IFileStore> CreateStoreAsync();

    /// <summary>A store whose large writes go in several blocks (the blob store with a tiny single-upload limit).</summary>
    protected virtual Task<IFileStore> CreateBlockWritingStoreAsync() => CreateStoreAsync();

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync()
    {
        _local.Delete(recursive: true);
        return Task.CompletedTask;
    }

    private static byte[] Seeded(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    [Fact]
    public async Task A_range_reads_just_those_bytes_with_the_whole_files_length_and_version()
    {
        var store = await CreateStoreAsync();
        var bytes = Seeded(10_000, 1);
        await store.WriteBytesAsync("w/model.bin", bytes);
        var info = await store.GetInfoAsync("w/model.bin");

        await using (var middle = await store.OpenAsync("w/model.bin", new ByteRange(1_000, 2_500)))
        {
            Assert.Equal(bytes[1_000..3_500], await ReadAllAsync(middle.Content));
            Assert.Equal(10_000, middle.Info.Length);
            Assert.Equal(info!.Version, middle.Info.Version);
        }
        await using (var tail = await store.OpenAsync("w/model.bin", new ByteRange(9_000)))
            Assert.Equal(bytes[9_000..], await ReadAllAsync(tail.Content));
        await using (var cut = await store.OpenAsync("w/model.bin", new ByteRange(9_900, 500)))
            Assert.Equal(bytes[9_900..], await ReadAllAsync(cut.Content));
        await using (var whole = await store.OpenAsync("w/model.bin"))
            Assert.Equal(bytes, await ReadAllAsync(whole.Content));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.OpenAsync("w/model.bin", new ByteRange(10_000, 10)));
        await Assert.ThrowsAsync<FileNotFoundException>(() => store.OpenAsync("w/missing.bin", new ByteRange(0, 10)));
    }

    [Fact]
    public async Task A_read_pinned_to_a_version_refuses_the_file_once_it_was_replaced()
    {
        var store = await CreateStoreAsync();
        await store.WriteTextAsync("index.json", "{\"v\":1}");
        var first = (await store.GetInfoAsync("index.json"))!.Version;
        await using (var pinned = await store.OpenAsync("index.json", new ByteRange(0, 3), first))
            Assert.Equal("{\"v", Encoding.UTF8.GetString(await ReadAllAsync(pinned.Content)));

        await Task.Delay(20); // a folder's version is its length and write time: let the clock move
        await store.WriteTextAsync("index.json", "{\"v\":22}");

        await Assert.ThrowsAsync<FileVersionChangedException>(() => store.OpenAsync("index.json", null, first));
        await Assert.ThrowsAsync<FileVersionChangedException>(() => store.OpenAsync("index.json", new ByteRange(0, 3), first));
        var local = Path.Combine(_local.FullName, "index.json");
        await Assert.ThrowsAsync<FileVersionChangedException>(() => store.DownloadFileAsync("index.json", local, first));
        Assert.False(File.Exists(local));
    }

    [Fact]
    public async Task Create_once_writes_only_the_first_time_and_keeps_its_metadata()
    {
        var store = await CreateStoreAsync();
        var claim = new Dictionary<string, string> { ["claim"] = "c-1" };

        var written = await store.TryWriteTextAsync("results.jsonl", "first\n", FileWriteOptions.CreateOnce(claim));
        var again = await store.TryWriteTextAsync("results.jsonl", "second\n", FileWriteOptions.CreateOnce(new Dictionary<string, string> { ["claim"] = "c-2" }));

        Assert.NotNull(written);
        Assert.Null(again);
        Assert.Equal("first\n", await store.ReadAllTextAsync("results.jsonl"));
        var info = await store.GetInfoAsync("results.jsonl");
        Assert.Equal(written!.Version, info!.Version);
        Assert.Equal(6, written.Length);
        Assert.Equal("c-1", info.Metadata["claim"]);
        var listed = new List<StoredFile>();
        await foreach (var file in store.ListAsync()) listed.Add(file);
        Assert.Equal("c-1", Assert.Single(listed).Metadata["claim"]);
        Assert.Equal(info.Version, listed[0].Version); // a listing, an info request, a read and a write agree on the version
        await using var opened = await store.OpenAsync("results.jsonl");
        Assert.Equal("c-1", opened.Info.Metadata["claim"]);
        Assert.Equal(info.Version, opened.Info.Version);
    }

    [Fact]
    public async Task Of_many_writers_creating_the_same_file_at_once_exactly_one_wins()
    {
        var store = await CreateStoreAsync();
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            Task.Run(() => store.TryWriteTextAsync("merge.json", $"writer {i}", FileWriteOptions.CreateOnce(new Dictionary<string, string> { ["claim"] = $"w{i}" })))));

        var winner = Assert.Single(results, r => r is not null);
        var info = await store.GetInfoAsync("merge.json");
        Assert.Equal(winner!.Version, info!.Version);
        Assert.Equal($"writer {info.Metadata["claim"][1..]}", await store.ReadAllTextAsync("merge.json"));
    }

    [Fact]
    public async Task Replace_version_writes_only_over_the_version_that_was_read()
    {
        var store = await CreateStoreAsync();
        Assert.Null(await store.TryWriteTextAsync("state.json", "x", FileWriteOptions.ReplaceVersion("\"0x1\"")));
        Assert.False(await store.ExistsAsync("state.json"));

        var v1 = await store.TryWriteTextAsync("state.json", "one", new FileWriteOptions());
        await Task.Delay(20);
        var v2 = await store.TryWriteTextAsync("state.json", "two", FileWriteOptions.ReplaceVersion(v1!.Version));
        await Task.Delay(20);
        var stale = await store.TryWriteTextAsync("state.json", "three", FileWriteOptions.ReplaceVersion(v1.Version));

        Assert.NotNull(v2);
        Assert.NotEqual(v1.Version, v2!.Version);
        Assert.Null(stale);
        Assert.Equal("two", await store.ReadAllTextAsync("state.json"));
        await Assert.ThrowsAsync<ArgumentException>(() => store.TryWriteTextAsync("state.json", "x", new FileWriteOptions { IfAbsent = true, IfVersion = v2.Version }));
    }

    [Fact]
    public async Task A_plain_rewrite_clears_the_metadata_and_a_delete_leaves_nothing_listed()
    {
        var store = await CreateStoreAsync();
        await store.TryWriteTextAsync("m/lvm.json", "{}", new FileWriteOptions { Metadata = new Dictionary<string, string> { ["sha256"] = "ab" } });
        Assert.Equal("ab", (await store.GetInfoAsync("m/lvm.json"))!.Metadata["sha256"]);

        await store.WriteTextAsync("m/lvm.json", "{ }");
        Assert.Empty((await store.GetInfoAsync("m/lvm.json"))!.Metadata);

        await store.TryWriteTextAsync("m/lvm.json", "{}", new FileWriteOptions { Metadata = new Dictionary<string, string> { ["sha256"] = "cd" } });
        Assert.True(await store.DeleteAsync("m/lvm.json"));
        var left = new List<StoredFile>();
        await foreach (var file in store.ListAsync()) left.Add(file);
        Assert.Empty(left);
    }

    [Fact]
    public async Task One_level_listings_give_the_folders_and_the_files_directly_under_a_folder()
    {
        var store = await CreateStoreAsync();
        foreach (var path in new[] { "b/1/lvm.json", "b/1/transformer/model.bin", "b/2/lvm.json", "a/x/lvm.json", "top.txt" })
            await store.WriteTextAsync(path, path);

        var top = new List<string>();
        await foreach (var name in store.ListFoldersAsync()) top.Add(name);
        var underB = new List<string>();
        await foreach (var name in store.ListFoldersAsync("b/")) underB.Add(name);
        var inB1 = new List<string>();
        await foreach (var file in store.ListFolderAsync("b/1/")) inB1.Add(file.Path);
        var inRoot = new List<string>();
        await foreach (var file in store.ListFolderAsync()) inRoot.Add(file.Path);

        Assert.Equal(["a", "b"], top);
        Assert.Equal(["1", "2"], underB);
        Assert.Equal(["b/1/lvm.json"], inB1);
        Assert.Equal(["top.txt"], inRoot);
    }

    [Fact]
    public async Task A_folder_goes_up_and_comes_down_again_in_ranges_checked_against_its_sha256()
    {
        var store = await CreateStoreAsync();
        var source = Directory.CreateDirectory(Path.Combine(_local.FullName, "source"));
        var weights = Seeded(70_000, 2);
        Directory.CreateDirectory(Path.Combine(source.FullName, "transformer"));
        await File.WriteAllBytesAsync(Path.Combine(source.FullName, "transformer", "model.bin"), weights);
        await File.WriteAllTextAsync(Path.Combine(source.FullName, "config.json"), "{}");

        Assert.Equal(2, await store.UploadFolderAsync(source.FullName, "models/m/1/"));
        // The push records a checksum in the metadata: put one on the weights as it would.
        await store.TryWriteAsync("models/m/1/transformer/model.bin", new MemoryStream(weights),
            new FileWriteOptions { Metadata = new Dictionary<string, string> { [BlobChecksums.Sha256MetadataKey] = Convert.ToHexStringLower(SHA256.HashData(weights)) } });

        var download = new RangedDownload(rangeSize: 16 * 1024, parallelism: 3);
        var target = Path.Combine(_local.FullName, "copy");
        Assert.Equal(2, await store.DownloadFolderAsync("models/m/1/", target, download));
        Assert.Equal(weights, await File.ReadAllBytesAsync(Path.Combine(target, "transformer", "model.bin")));
        Assert.Equal("{}", await File.ReadAllTextAsync(Path.Combine(target, "config.json")));
        Assert.Equal(5 + 1, download.RangesFetched); // 70,000 bytes in 16 KiB ranges, and the small file in one

        // Bytes that do not match the recorded checksum are refused and nothing is kept.
        await store.TryWriteAsync("models/m/2/model.bin", new MemoryStream(weights),
            new FileWriteOptions { Metadata = new Dictionary<string, string> { [BlobChecksums.Sha256MetadataKey] = new string('0', 64) } });
        var damaged = Path.Combine(_local.FullName, "damaged");
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => store.DownloadFolderAsync("models/m/2/", damaged, download));
        Assert.Contains("but its metadata says", e.Message);
        Assert.Empty(Directory.EnumerateFiles(damaged));
    }

    [Fact]
    public async Task A_ranged_stream_fetches_only_the_blocks_a_reader_touches()
    {
        var store = await CreateStoreAsync();
        var bytes = Seeded(100_000, 3);
        await store.WriteBytesAsync("inputs/big.png", bytes);
        var info = (await store.GetInfoAsync("inputs/big.png"))!;

        await using (var header = new RangedReadStream(store, info, 64 * 1024))
        {
            var first = new byte[24];
            await header.ReadExactlyAsync(first);
            Assert.Equal(bytes[..24], first);
            Assert.Equal(1, header.BlocksFetched);
        }
        await using var whole = new RangedReadStream(store, info, 64 * 1024);
        Assert.Equal(bytes, await ReadAllAsync(whole));
        Assert.Equal(2, whole.BlocksFetched);
        whole.Position = 70_000;
        var seeked = new byte[10];
        await whole.ReadExactlyAsync(seeked);
        Assert.Equal(bytes[70_000..70_010], seeked);
    }

    [Fact]
    public async Task A_file_larger_than_one_request_is_written_whole_from_blocks()
    {
        var store = await CreateBlockWritingStoreAsync();
        var bytes = Seeded((3 * 512 * 1024) + 123, 4);
        using (var seekable = new MemoryStream(bytes))
            Assert.Equal(bytes.Length, (await store.TryWriteAsync("weights/model.safetensors", seekable, new FileWriteOptions()))!.Length);
        await using (var opened = await store.OpenAsync("weights/model.safetensors"))
            Assert.Equal(bytes, await ReadAllAsync(opened.Content));

        // A stream of unknown length (a network stream, say) is counted as it is sent.
        await using var unseekable = new BufferedStream(new NonSeekable(new MemoryStream(bytes)));
        Assert.Equal(bytes.Length, (await store.TryWriteAsync("weights/copy.safetensors", unseekable, new FileWriteOptions()))!.Length);
        Assert.Equal(bytes.Length, (await store.GetInfoAsync("weights/copy.safetensors"))!.Length);
    }

    private sealed class NonSeekable(Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
