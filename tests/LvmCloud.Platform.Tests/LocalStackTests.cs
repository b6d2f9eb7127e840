using System.Diagnostics;
using LvmCloud.Local;
using LvmCloud.Platform.Intake;
using LvmCloud.Platform.State;
using LvmCloud.Platform.Storage;
using LvmCloud.Platform.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LvmCloud.Platform.Tests;

/// <summary>
/// <c>local/run-stack.sh</c> as a developer runs it on a fresh clone, without Azure Functions Core Tools: Azurite, the
/// worker and the local API host start; the sample batch, created through the intake service the blob trigger
/// calls, completes with the bundled model; SIGTERM stops every process the script started. It uses what the test
/// run built (no second build) and its own ports and data folder, so it never meets a developer's running stack.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class LocalStackTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("lvm-stack-");

    public void Dispose() => _temp.Delete(recursive: true);

    [Fact]
    public async Task Run_stack_serves_the_bundled_model_for_the_sample_batch_and_stops_every_process_on_SIGTERM()
    {
        var root = RepoRoot.Find();
        using var stack = RunStackProcess.Start(Path.Combine(_temp.FullName, "azurite"));

        List<int> started = [];
        try
        {
            await stack.WaitUntilServingAsync(TimeSpan.FromSeconds(90));
            started = Descendants(stack.ProcessId);
            Assert.True(started.Count >= 3, $"expected Azurite, the worker and the API host under the script, found {started.Count}:\n{stack.Log}");

            // The sample batch, uploaded and planned as the blob trigger plans it, with the intake's default model.
            await using var services = Platform(stack.StorageConnectionString);
            var clients = services.GetRequiredService<StorageClients>();
            var batchId = Identifiers.NewBatchId(DateTimeOffset.UtcNow);
            var sample = Path.Combine(root, "samples", "fashion");
            foreach (var file in Directory.EnumerateFiles(Path.Combine(sample, "inputs"), "*.png", SearchOption.AllDirectories))
                await clients.Batches.GetBlobClient(StorageLayout.InputPath(batchId, Path.GetRelativePath(Path.Combine(sample, "inputs"), file).Replace('\\', '/')))
                    .UploadAsync(file);
            await clients.Batches.GetBlobClient(StorageLayout.ManifestPath(batchId)).UploadAsync(Path.Combine(sample, "manifest.jsonl"));
            var outcome = await services.GetRequiredService<BatchIntakeService>().IngestAsync(batchId, CancellationToken.None);
            Assert.Equal(10, outcome.Accepted);

            var state = services.GetRequiredService<JobStateStore>();
            BatchEntity? batch = null;
            await stack.WaitUntilAsync(async () => (batch = await state.GetBatchAsync(batchId, CancellationToken.None))?.State == BatchStates.Finished, TimeSpan.FromSeconds(120));
            Assert.Equal(10, batch!.ItemsSucceeded);
            Assert.Equal("fmnist-lvm", batch.ModelName);
            Assert.Contains($"Batch {batchId} finished: 10 items, 10 succeeded", stack.Log);
        }
        finally
        {
            stack.Stop(); // what a supervisor (or `kill`) sends: the script must stop what it started and then exit
        }

        Assert.Contains("Stack stopped.", stack.Log);
        var left = started.Where(IsAlive).ToList();
        foreach (var pid in left)
            Process.GetProcessById(pid).Kill(entireProcessTree: true);
        Assert.True(left.Count == 0, $"processes left running: {string.Join(", ", left)}\n{stack.Log}");
    }

    private static ServiceProvider Platform(string connectionString)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Storage:ConnectionString"] = connectionString }).Build();
        return new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging(l => l.SetMinimumLevel(LogLevel.Warning))
            .AddLvmPlatform()
            .BuildServiceProvider();
    }

    /// <summary>Every process below <paramref name="pid"/> (Linux /proc).</summary>
    private static List<int> Descendants(int pid)
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var child))
                continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                parents[child] = int.Parse(fields[1]);
            }
            catch (IOException)
            {
            }
        }
        var found = new List<int>();
        var frontier = new Queue<int>([pid]);
        while (frontier.TryDequeue(out var parent))
            foreach (var (child, ppid) in parents)
                if (ppid == parent)
                {
                    found.Add(child);
                    frontier.Enqueue(child);
                }
        return found;
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }
}
