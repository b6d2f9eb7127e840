using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using LvmCloud.Platform.Tests.Infrastructure;

namespace LvmCloud.Platform.Tests;

/// <summary>
/// The README's walk through the three job kinds, run as written: its marked <c>bash</c> blocks
/// (<c>&lt;!-- readme-walk --&gt;</c>), in order, in one <c>bash -euo pipefail</c>, against <c>local/run-stack.sh</c> on
/// ports of its own, from a fresh folder where <c>samples</c> and <c>models</c> are the repository's and <c>lvm</c> is the
/// built CLI. It then checks what the walk promises: the batch's results and gallery, the cancel's answer, the
/// dataset's shards, the trained model registered and a batch on it. A README example that fails names its block
/// and prints what it printed.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ReadmeWalkTests : IDisposable
{
    private static readonly TimeSpan WalkTimeout = TimeSpan.FromMinutes(12);
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("lvm-readme-");

    public void Dispose() => _temp.Delete(recursive: true);

    [Fact]
    public async Task The_README_walk_runs_as_written_through_batches_datasets_and_a_training_run()
    {
        var root = RepoRoot.Find();
        var walk = ReadmeWalk.Read(Path.Combine(root, "README.md"));
        Assert.True(walk.Blocks.Count >= 3, $"README.md marks {walk.Blocks.Count} blocks with '{ReadmeWalk.Marker}'; the walk has one per job kind.");
        var work = Directory.CreateDirectory(Path.Combine(_temp.FullName, "clone")).FullName;
        File.CreateSymbolicLink(Path.Combine(work, "samples"), Path.Combine(root, "samples"));
        File.CreateSymbolicLink(Path.Combine(work, "models"), Path.Combine(root, "models"));

        using var stack = RunStackProcess.Start(Path.Combine(_temp.FullName, "azurite"));
        await stack.WaitUntilServingAsync(TimeSpan.FromSeconds(120));
        // The CLI's own build output (its deps.json and runtime config), built in this test run's configuration.
        var cli = Path.Combine(root, "src", "LvmCloud.Cli", "bin", RunStackProcess.BuildConfiguration(), "net10.0", "lvm.dll");
        Assert.True(File.Exists(cli), $"The built CLI '{cli}' is missing: build tests/LvmCloud.Platform.Tests.");
        var lvm = $"'{DotnetHost()}' '{cli}'";
        var transcript = await RunAsync(walk.Script(stack.ApiPort, lvm), work);

        if (!transcript.Text.Contains(ReadmeWalk.EndMarker))
        {
            var block = walk.LastStarted(transcript.Text);
            Assert.Fail(block is null
                ? $"The walk's script failed before its first block (exit {transcript.ExitCode}):\n{transcript.Text}"
                : $"README.md's walk failed in block {block.Number} (line {block.Line}), exit {transcript.ExitCode}:\n{block.Text}\n--- its output ---\n" +
                  $"{ReadmeWalk.OutputOf(transcript.Text, block.Number)}\n--- the stack's log (last lines) ---\n{Tail(stack.Log, 60)}");
        }
        Assert.Equal(0, transcript.ExitCode);
        var why = $"\n--- the walk's output ---\n{transcript.Text}";

        // Batches: the fetched batch (every item succeeded, each with its result.json, and the gallery), the cancel's
        // summary line for the batch the API lists as cancel-requested (BATCH STATE DONE/TOTAL), and on the API: the finished batches and the one with a cancel.
        AssertBatchFolder(Path.Combine(work, "out", "fashion"), why);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{stack.ApiPort}/api/") };
        using var batches = JsonDocument.Parse(await http.GetStringAsync("batches"));
        var list = batches.RootElement.GetProperty("batches").EnumerateArray().ToList();
        Assert.True(list.Count == 3, $"expected the walk's 3 batches, the API lists {list.Count}:{why}");
        var late = Assert.Single(list, b => b.GetProperty("cancelRequested").GetBoolean()).GetProperty("batchId").GetString()!;
        Assert.Matches(new Regex($@"^{late} (queued|running|cancelled|finished) \d+/10$", RegexOptions.Multiline), transcript.Text);
        var finished = list.Where(b => !b.GetProperty("cancelRequested").GetBoolean()).ToList();
        Assert.All(finished, b => Assert.Equal(10, b.GetProperty("counts").GetProperty("succeeded").GetInt32()));
        Assert.Contains(finished, b => b.GetProperty("model").GetString()!.StartsWith("fmnist-diloco", StringComparison.Ordinal));

        // Datasets: the fetched shard (300 sentences, one shard).
        var tokens = Path.Combine(work, "tokens", "fmnist");
        foreach (var shard in new[] { "shard-00000.bin", "index.json" })
            Assert.True(File.Exists(Path.Combine(tokens, shard)), $"{shard} missing in tokens/fmnist:{why}");

        // Training: the run registered its model (with its training record), and the batch on it succeeded.
        using var models = JsonDocument.Parse(await http.GetStringAsync("models"));
        var trained = models.RootElement.GetProperty("models").EnumerateArray()
            .SingleOrDefault(m => m.GetProperty("name").GetString() == "fmnist-diloco" && m.GetProperty("version").GetString() == "1");
        Assert.True(trained.ValueKind == JsonValueKind.Object, $"fmnist-diloco/1 is not registered:{why}");
        Assert.True(trained.TryGetProperty("training", out var training) && training.ValueKind == JsonValueKind.Object, $"fmnist-diloco/1 has no training record:{why}");
        AssertBatchFolder(Path.Combine(work, "out", "diloco"), why);
    }

    /// <summary>What <c>lvm batches fetch</c> writes for the 10-item sample batch with every item succeeded.</summary>
    private static void AssertBatchFolder(string folder, string why)
    {
        Assert.True(File.Exists(Path.Combine(folder, "gallery.html")), $"{folder}/gallery.html missing:{why}");
        var results = File.ReadAllLines(Path.Combine(folder, "results.jsonl")).Where(l => l.Length > 0).ToList();
        Assert.Equal(10, results.Count);
        Assert.All(results, line => Assert.Equal("succeeded", JsonDocument.Parse(line).RootElement.GetProperty("status").GetString()));
        var perItem = Directory.GetFiles(Path.Combine(folder, "items"), "result.json", SearchOption.AllDirectories);
        Assert.True(perItem.Length == 10, $"expected 10 items/*/result.json in {folder}, found {perItem.Length}:{why}");
    }

    /// <summary>Runs <paramref name="script"/> with <c>bash -euo pipefail</c> in <paramref name="folder"/>, without the caller's LVM_* settings.</summary>
    private static async Task<(int ExitCode, string Text)> RunAsync(string script, string folder)
    {
        var path = Path.Combine(folder, "..", "walk.sh");
        await File.WriteAllTextAsync(path, script);
        var start = new ProcessStartInfo("bash", ["-euo", "pipefail", path])
        {
            WorkingDirectory = folder,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var name in new[] { "LVM_ENDPOINT", "LVM_FUNCTION_KEY" })
            start.Environment.Remove(name);
        using var bash = Process.Start(start)!;
        var stdout = bash.StandardOutput.ReadToEndAsync();
        var stderr = bash.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(WalkTimeout);
        try
        {
            await bash.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            bash.Kill(entireProcessTree: true);
            await bash.WaitForExitAsync();
            return (-1, $"{await stdout}{await stderr}\n(the walk did not finish within {WalkTimeout})");
        }
        return (bash.ExitCode, $"{await stdout}{await stderr}");
    }

    private static string Tail(string text, int lines) => string.Join('\n', text.Split('\n').TakeLast(lines));

    /// <summary>The dotnet host running this test (the SDK sets DOTNET_HOST_PATH for the processes it starts).</summary>
    private static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)) return host;
        if (Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet") return self;
        return "dotnet";
    }
}
