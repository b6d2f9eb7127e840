using System.Security.Cryptography;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using LvmCloud.Cli.Models;
using LvmCloud.Core.Storage;
using LvmCloud.Platform.Models;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Storage;
using LvmCloud.Platform.Tests.Infrastructure;

namespace LvmCloud.Platform.Tests;

/// <summary><c>lvm models push</c> against Azurite: block uploads, the <c>lvm.json</c> commit, resuming an interrupted push.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ModelPushTests(AzuriteFixture azurite) : IDisposable
{
    private const int BlockSize = 4 * 1024;
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("lvm-push-");
    private readonly string _version = "v" + Guid.NewGuid().ToString("N")[..8];

    public void Dispose() => _temp.Delete(recursive: true);

    private BlobContainerClient Models => new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(StorageLayout.ModelsContainer);

    [Fact]
    public async Task Push_registers_every_file_byte_identical_with_its_sha256_and_lvm_json_last()
    {
        var folder = TinyModel.Save(_temp.FullName);

        var (exit, console) = await CliRunner.RunAsync("models", "push", folder, "--name", "pushed", "--version", _version,
            "--connection", azurite.ConnectionString, "--block-mib", "1", "--parallel", "4");

        Assert.True(exit == 0, console.AllStderr);
        Assert.Equal($"pushed/{_version}", Assert.Single(console.Stdout));
        foreach (var relative in ModelPusher.FilesOf(folder))
        {
            var blob = Models.GetBlobClient($"pushed/{_version}/{relative}");
            var local = await File.ReadAllBytesAsync(Path.Combine(folder, relative));
            Assert.Equal(local, (await blob.DownloadContentAsync()).Value.Content.ToArray());
            var metadata = (await blob.GetPropertiesAsync()).Value.Metadata;
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(local)), metadata[BlobChecksums.Sha256MetadataKey]);
        }
        var settings = (await Models.GetBlobClient($"pushed/{_version}/lvm.json").DownloadContentAsync()).Value.Content.ToString();
        Assert.Contains($"\"version\": \"{_version}\"", settings);
        await using var harness = await PlatformHarness.CreateAsync(azurite);
        Assert.True(await harness.Get<ModelRegistry>().IsRegisteredAsync(new ModelReference("pushed", _version), CancellationToken.None));
    }

    [Fact]
    public async Task An_interrupted_push_is_not_registered_and_resumes_without_resending_staged_blocks()
    {
        var folder = TinyModel.Save(_temp.FullName);
        var files = ModelPusher.FilesOf(folder);
        int totalBlocks = files.Sum(f => (int)Math.Max(1, (new FileInfo(Path.Combine(folder, f)).Length + BlockSize - 1) / BlockSize));
        Assert.True(totalBlocks > 20, $"the tiny model should cut into many {BlockSize}-byte blocks, got {totalBlocks}");
        var pusher = new ModelPusher(Models, new ResumableBlockUpload(BlockSize, parallelism: 1));

        // Stop after 15 blocks have landed: the first files are committed, one is half staged, lvm.json is not written.
        using var stop = new CancellationTokenSource();
        int landed = 0;
        var counting = new Progress(bytes =>
        {
            if (Interlocked.Increment(ref landed) == 15) stop.Cancel();
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pusher.PushAsync(folder, "resumed", _version, counting, stop.Token));

        Assert.Equal(15, landed);
        await using var harness = await PlatformHarness.CreateAsync(azurite);
        var registry = harness.Get<ModelRegistry>();
        Assert.False(await registry.IsRegisteredAsync(new ModelReference("resumed", _version), CancellationToken.None));
        Assert.DoesNotContain(await registry.ListAsync(CancellationToken.None), m => m.Name == "resumed" && m.Version == _version);

        var result = await pusher.PushAsync(folder, "resumed", _version, null, CancellationToken.None);

        int sent = result.Files.Values.Sum(f => f.BlocksSent);
        int kept = result.Files.Values.Sum(f => f.AlreadyCommitted ? f.Blocks : f.BlocksReused);
        Assert.Equal(15, kept);
        Assert.Equal(totalBlocks - 15, sent);
        Assert.Contains(result.Files.Values, f => f.BlocksReused > 0); // the half-staged file resumed mid-way
        Assert.True(await registry.IsRegisteredAsync(new ModelReference("resumed", _version), CancellationToken.None));
        foreach (var relative in files)
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(folder, relative)),
                (await Models.GetBlobClient($"resumed/{_version}/{relative}").DownloadContentAsync()).Value.Content.ToArray());
    }

    [Fact]
    public async Task A_registered_version_is_never_overwritten()
    {
        var folder = TinyModel.Save(_temp.FullName);
        var pusher = new ModelPusher(Models, new ResumableBlockUpload(BlockSize * 16, parallelism: 4));
        await pusher.PushAsync(folder, "twice", _version, null, CancellationToken.None);

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => pusher.PushAsync(folder, "twice", _version, null, CancellationToken.None));

        Assert.Contains($"twice/{_version} is registered already", e.Message);
    }

    /// <summary>Counts synchronously (System.Progress posts to the thread pool, too late to stop at an exact block).</summary>
    private sealed class Progress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
