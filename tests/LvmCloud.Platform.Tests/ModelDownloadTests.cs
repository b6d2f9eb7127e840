using System.Security.Cryptography;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using LvmCloud.Cli.Models;
using LvmCloud.Core.Storage;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Storage;
using LvmCloud.Platform.Tests.Infrastructure;
using LvmCloud.Worker;
using LvmCloud.Worker.Completion;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LvmCloud.Platform.Tests;

/// <summary>The worker's model cache against Azurite: ranged, resumed, checksummed downloads of pushed models.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ModelDownloadTests(AzuriteFixture azurite) : IDisposable
{
    private const int Block = 4 * 1024;
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("lvm-download-");
    private readonly string _version = "v" + Guid.NewGuid().ToString("N")[..8];

    public void Dispose() => _temp.Delete(recursive: true);

    private BlobContainerClient Models => new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(StorageLayout.ModelsContainer);

    /// <summary>A 200 KB file of seeded bytes pushed as 50 blocks; returns its bytes.</summary>
    private async Task<byte[]> PushFileAsync(string blobName)
    {
        var bytes = new byte[50 * Block];
        new Random(7).NextBytes(bytes);
        var path = Path.Combine(_temp.FullName, "source.bin");
        await File.WriteAllBytesAsync(path, bytes);
        await Models.CreateIfNotExistsAsync();
        await new ResumableBlockUpload(Block, 4).UploadAsync(Models.GetBlockBlobClient(blobName), path,
            Convert.ToHexStringLower(SHA256.HashData(bytes)), "application/octet-stream", null, CancellationToken.None);
        return bytes;
    }

    [Fact]
    public async Task An_interrupted_ranged_download_resumes_with_only_the_missing_ranges()
    {
        var name = $"dl/{_version}/transformer/model.safetensors";
        var bytes = await PushFileAsync(name);
        var target = Path.Combine(_temp.FullName, "model.safetensors");
        var first = new RangedDownload(rangeSize: Block, parallelism: 1);
        using var stop = new CancellationTokenSource();
        int written = 0;
        var stopAfter20 = new SyncProgress(_ => { if (++written == 20) stop.Cancel(); });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first.DownloadAsync(new BlobStore(Models), name, target, stopAfter20, stop.Token));
        Assert.False(File.Exists(target));
        Assert.True(File.Exists(target + RangedDownload.ProgressSuffix));

        var second = new RangedDownload(rangeSize: Block, parallelism: 4);
        await second.DownloadAsync(new BlobStore(Models), name, target, null, CancellationToken.None);

        Assert.Equal(20, first.RangesFetched);
        Assert.Equal(30, second.RangesFetched);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(target));
        Assert.False(File.Exists(target + RangedDownload.PartSuffix));
        Assert.False(File.Exists(target + RangedDownload.ProgressSuffix));
    }

    [Fact]
    public async Task A_damaged_block_is_caught_by_the_sha256_and_nothing_is_kept()
    {
        var name = $"dl/{_version}/tokenizer/pytorch_model.bin";
        var bytes = await PushFileAsync(name);
        // Replace block 7 in storage with other bytes and recommit under the same metadata (the SHA-256 of the original).
        var blob = Models.GetBlockBlobClient(name);
        var metadata = (await blob.GetPropertiesAsync()).Value.Metadata;
        var sha = metadata["sha256"];
        var damaged = bytes.AsSpan(7 * Block, Block).ToArray();
        damaged[100] ^= 0xFF;
        using (var content = new MemoryStream(damaged))
            await blob.StageBlockAsync(ResumableBlockUpload.BlockId(sha, 7), content);
        await blob.CommitBlockListAsync(Enumerable.Range(0, 50).Select(i => ResumableBlockUpload.BlockId(sha, i)),
            new Azure.Storage.Blobs.Models.CommitBlockListOptions { Metadata = metadata });
        var target = Path.Combine(_temp.FullName, "pytorch_model.bin");

        var e = await Assert.ThrowsAsync<InvalidDataException>(() =>
            new RangedDownload(Block, 4).DownloadAsync(new BlobStore(Models), name, target, null, CancellationToken.None));

        Assert.Contains($"but its metadata says {sha}", e.Message);
        Assert.Empty(Directory.EnumerateFiles(_temp.FullName, "pytorch_model.bin*"));
    }

    [Fact]
    public async Task A_pushed_model_loads_in_the_worker_and_a_half_pushed_one_is_not_found()
    {
        var folder = TinyModel.Save(Path.Combine(_temp.FullName, "local"));
        var pusher = new ModelPusher(Models, new ResumableBlockUpload(Block, 4));
        await pusher.PushAsync(folder, "dlmodel", _version, null, CancellationToken.None);
        // Half pushed: every weight file is there, lvm.json (the commit) is not.
        await pusher.PushAsync(folder, "dlhalf", _version, null, CancellationToken.None);
        await Models.GetBlobClient($"dlhalf/{_version}/lvm.json").DeleteAsync();
        await using var harness = await PlatformHarness.CreateAsync(azurite);
        var cache = Path.Combine(_temp.FullName, "cache");
        using var store = new ModelCache(harness.Clients, Options.Create(new WorkerOptions { ModelCacheDirectory = cache }), NullLogger<ModelCache>.Instance);

        var loaded = await store.GetAsync(new ModelReference("dlmodel", _version), CancellationToken.None);
        var missing = await Assert.ThrowsAsync<ModelNotFoundException>(() => store.GetAsync(new ModelReference("dlhalf", _version), CancellationToken.None));

        Assert.Equal(TinyModel.Resolution, loaded.Model.Resolution);
        foreach (var relative in ModelPusher.FilesOf(folder))
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(folder, relative)), await File.ReadAllBytesAsync(Path.Combine(cache, "dlmodel", _version, relative)));
        Assert.Contains($"dlhalf/{_version}/lvm.json", missing.Message);
        Assert.Empty(Directory.EnumerateDirectories(Path.Combine(cache, "dlmodel"), "*.download"));
    }

    [Fact]
    public async Task Two_workers_sharing_a_cache_fetch_one_model_at_once_and_both_load_it()
    {
        var folder = TinyModel.Save(Path.Combine(_temp.FullName, "shared-local"));
        await new ModelPusher(Models, new ResumableBlockUpload(Block, 4)).PushAsync(folder, "dlshared", _version, null, CancellationToken.None);
        await using var harness = await PlatformHarness.CreateAsync(azurite);
        var cache = Path.Combine(_temp.FullName, "shared-cache");
        var options = Options.Create(new WorkerOptions { ModelCacheDirectory = cache });
        using var first = new ModelCache(harness.Clients, options, NullLogger<ModelCache>.Instance);
        using var second = new ModelCache(harness.Clients, options, NullLogger<ModelCache>.Instance);
        var reference = new ModelReference("dlshared", _version);

        // Both stores miss the cache and download at the same moment into the one staging folder name; the cache lock
        // lets one fetch while the other waits and then takes its folder (before the lock one of them failed).
        var loads = await Task.WhenAll(
            Task.Run(() => first.GetAsync(reference, CancellationToken.None)),
            Task.Run(() => second.GetAsync(reference, CancellationToken.None)));

        Assert.All(loads, l => Assert.Equal(TinyModel.Resolution, l.Model.Resolution));
        foreach (var relative in ModelPusher.FilesOf(folder))
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(folder, relative)), await File.ReadAllBytesAsync(Path.Combine(cache, "dlshared", _version, relative)));
        Assert.Empty(Directory.EnumerateDirectories(Path.Combine(cache, "dlshared"), "*.download"));
    }

    private sealed class SyncProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
