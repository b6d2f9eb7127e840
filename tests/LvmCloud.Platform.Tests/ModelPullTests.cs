using System.Text.Json;
using Azure.Storage.Blobs;
using LvmCloud.Cli.Models;
using LvmCloud.Core.Storage;
using LvmCloud.Platform.Storage;
using LvmCloud.Platform.Tests.Infrastructure;

namespace LvmCloud.Platform.Tests;

/// <summary>
/// <c>lvm models pull --connection</c> against Azurite: a pushed model comes back byte for byte (card and figure
/// included), an unregistered model or a taken destination is refused before anything is written, a damaged blob is
/// caught, and an interrupted pull leaves nothing in the destination and resumes without fetching ranges again.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ModelPullTests(AzuriteFixture azurite) : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("lvm-pull-");
    private readonly string _version = "v" + Guid.NewGuid().ToString("N")[..8];

    public void Dispose() => _temp.Delete(recursive: true);

    private BlobContainerClient Models => new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(StorageLayout.ModelsContainer);

    /// <summary>The tiny model with a card and a figure beside it, as a training run registers them.</summary>
    private string SaveModel()
    {
        var folder = TinyModel.Save(_temp.FullName);
        File.WriteAllText(Path.Combine(folder, "README.md"), "# tiny\n\nA card.\n");
        File.WriteAllBytes(Path.Combine(folder, "loss.png"), [.. Enumerable.Range(0, 3000).Select(i => (byte)(i * 7))]);
        return folder;
    }

    private async Task<string> PushAsync(string name)
    {
        var folder = SaveModel();
        var (exit, console) = await CliRunner.RunAsync("models", "push", folder, "--name", name, "--version", _version, "--connection", azurite.ConnectionString);
        Assert.True(exit == 0, console.AllStderr);
        return folder;
    }

    /// <summary>Every file of the pulled folder equals the blob (and the pushed file, but lvm.json, which the push names anew).</summary>
    private async Task AssertSameAsync(string pushed, string pulled, string name)
    {
        var expected = ModelPusher.FilesOf(pushed).Append("lvm.json").Order(StringComparer.Ordinal).ToList();
        var actual = Directory.EnumerateFiles(pulled, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(pulled, f).Replace(Path.DirectorySeparatorChar, '/')).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, actual);
        foreach (var relative in expected)
        {
            var bytes = await File.ReadAllBytesAsync(Path.Combine(pulled, relative));
            Assert.Equal((await Models.GetBlobClient($"{name}/{_version}/{relative}").DownloadContentAsync()).Value.Content.ToArray(), bytes);
            if (relative != "lvm.json")
                Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(pushed, relative)), bytes);
        }
        Assert.Contains($"\"version\": \"{_version}\"", await File.ReadAllTextAsync(Path.Combine(pulled, "lvm.json")));
    }

    [Fact]
    public async Task A_pushed_model_pulls_back_byte_identical_into_a_new_folder_with_progress_and_json()
    {
        var pushed = await PushAsync("pulled");
        var target = Path.Combine(_temp.FullName, "out", "pulled-model"); // its parent does not exist either

        var (exit, console) = await CliRunner.RunAsync("models", "pull", $"pulled/{_version}", "--out", target,
            "--connection", azurite.ConnectionString, "--range-mib", "1", "--parallel", "3");

        Assert.True(exit == 0, console.AllStderr);
        Assert.Equal(Path.GetFullPath(target), Assert.Single(console.Stdout));
        await AssertSameAsync(pushed, target, "pulled");
        long total = Directory.EnumerateFiles(target, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        Assert.Equal(total, console.ProgressReported);
        Assert.Equal([Path.GetFullPath(target)], Directory.GetDirectories(Path.GetDirectoryName(target)!)); // no staging folder left
        Assert.Empty(Directory.EnumerateFiles(target, "*.part*", SearchOption.AllDirectories));

        // --json: the model, its files, bytes and folder; into an empty folder that exists.
        var empty = Directory.CreateDirectory(Path.Combine(_temp.FullName, "empty")).FullName;
        var (jsonExit, json) = await CliRunner.RunAsync("models", "pull", $"pulled/{_version}", "--out", empty, "--connection", azurite.ConnectionString, "--json");
        Assert.True(jsonExit == 0, json.AllStderr);
        using var answer = JsonDocument.Parse(Assert.Single(json.Stdout));
        Assert.Equal($"pulled/{_version}", answer.RootElement.GetProperty("model").GetString());
        Assert.Equal(empty, answer.RootElement.GetProperty("folder").GetString());
        Assert.Equal(ModelPusher.FilesOf(pushed).Count + 1, answer.RootElement.GetProperty("files").GetInt32());
        Assert.Equal(total, answer.RootElement.GetProperty("bytes").GetInt64());
        await AssertSameAsync(pushed, empty, "pulled");
    }

    [Fact]
    public async Task An_unregistered_model_is_refused_with_how_to_list_the_registered_ones_and_no_folder_is_made()
    {
        var target = Path.Combine(_temp.FullName, "never");

        var (exit, console) = await CliRunner.RunAsync("models", "pull", $"nothere/{_version}", "--out", target, "--connection", azurite.ConnectionString);

        Assert.Equal(2, exit);
        Assert.Contains($"Model nothere/{_version} is not registered", console.AllStderr);
        Assert.Contains("no file at all", console.AllStderr);
        Assert.Contains("lvm models list", console.AllStderr);
        Assert.Empty(_temp.EnumerateFileSystemInfos());

        // A push that stopped before its lvm.json: files, but not registered.
        await Models.CreateIfNotExistsAsync();
        await Models.GetBlobClient($"half/{_version}/transformer/model.safetensors").UploadAsync(BinaryData.FromBytes(new byte[100]));
        var (halfExit, half) = await CliRunner.RunAsync("models", "pull", $"half/{_version}", "--out", target, "--connection", azurite.ConnectionString);
        Assert.Equal(2, halfExit);
        Assert.Contains($"Model half/{_version} is not registered", half.AllStderr);
        Assert.Contains("has not finished", half.AllStderr);
        Assert.Empty(_temp.EnumerateFileSystemInfos());

        var (badExit, bad) = await CliRunner.RunAsync("models", "pull", "no-version", "--out", target, "--connection", azurite.ConnectionString);
        Assert.Equal(2, badExit);
        Assert.Contains("is not NAME/VERSION", bad.AllStderr);
        var (bothExit, both) = await CliRunner.RunAsync("models", "pull", $"half/{_version}", "--out", target, "--connection", azurite.ConnectionString, "--endpoint", "http://localhost:1");
        Assert.Equal(2, bothExit);
        Assert.Contains("not both", both.AllStderr);
    }

    [Fact]
    public async Task A_folder_with_something_in_it_is_refused_and_left_as_it_was()
    {
        await PushAsync("taken");
        var target = Directory.CreateDirectory(Path.Combine(_temp.FullName, "taken")).FullName;
        File.WriteAllText(Path.Combine(target, "mine.txt"), "keep me");

        var (exit, console) = await CliRunner.RunAsync("models", "pull", $"taken/{_version}", "--out", target, "--connection", azurite.ConnectionString);

        Assert.Equal(2, exit);
        Assert.Contains("is not empty", console.AllStderr);
        Assert.Equal(["mine.txt"], Directory.EnumerateFileSystemEntries(target).Select(Path.GetFileName));
        Assert.Equal("keep me", File.ReadAllText(Path.Combine(target, "mine.txt")));
        Assert.False(Directory.Exists(ModelPuller.StagingFolder(target, "taken", _version)));
    }

    [Fact]
    public async Task A_blob_that_does_not_match_its_sha256_fails_the_pull_and_the_destination_is_not_made()
    {
        await PushAsync("damaged");
        var blob = Models.GetBlobClient($"damaged/{_version}/loss.png");
        await blob.SetMetadataAsync(new Dictionary<string, string> { [BlobChecksums.Sha256MetadataKey] = new string('0', 64) });
        var target = Path.Combine(_temp.FullName, "damaged");

        var (exit, console) = await CliRunner.RunAsync("models", "pull", $"damaged/{_version}", "--out", target, "--connection", azurite.ConnectionString);

        Assert.Equal(3, exit);
        Assert.Contains("loss.png", console.AllStderr);
        Assert.Contains("but its metadata says 0000", console.AllStderr);
        Assert.Contains("run the same command again to resume", console.AllStderr);
        Assert.False(Directory.Exists(target));
    }

    [Fact]
    public async Task An_interrupted_pull_leaves_nothing_in_the_destination_and_resumes_without_fetching_ranges_again()
    {
        const int RangeSize = 4 * 1024;
        var pushed = await PushAsync("resumed");
        var target = Path.Combine(_temp.FullName, "resumed");
        var source = new StoragePullSource(Models, "resumed", _version);
        var files = await new ModelPuller(source, new RangedDownload(RangeSize)).ListAsync("resumed", _version, CancellationToken.None);
        int totalRanges = files.Sum(f => (int)((f.Length + RangeSize - 1) / RangeSize));
        Assert.True(totalRanges > 40, $"the tiny model should cut into many {RangeSize}-byte ranges, got {totalRanges}");

        // Stop after 30 ranges have landed.
        var first = new RangedDownload(RangeSize, parallelism: 1);
        using var stop = new CancellationTokenSource();
        int landed = 0;
        var counting = new Progress(_ =>
        {
            if (Interlocked.Increment(ref landed) == 30) stop.Cancel();
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new ModelPuller(source, first).PullAsync("resumed", _version, target, counting, stop.Token));

        Assert.False(Directory.Exists(target));
        Assert.True(Directory.Exists(ModelPuller.StagingFolder(target, "resumed", _version)));

        var second = new RangedDownload(RangeSize, parallelism: 4);
        var result = await new ModelPuller(source, second).PullAsync("resumed", _version, target, null, CancellationToken.None);

        Assert.Equal(totalRanges, first.RangesFetched + second.RangesFetched);
        Assert.Equal(30, first.RangesFetched);
        Assert.True(result.BytesDownloaded < result.Bytes, $"{result.BytesDownloaded} of {result.Bytes} bytes fetched again");
        Assert.False(Directory.Exists(ModelPuller.StagingFolder(target, "resumed", _version)));
        await AssertSameAsync(pushed, target, "resumed");
    }

    /// <summary>Counts synchronously (System.Progress posts to the thread pool, too late to stop at an exact range).</summary>
    private sealed class Progress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
