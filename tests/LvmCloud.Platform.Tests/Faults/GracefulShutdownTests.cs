using System.Diagnostics;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.State;
using LvmCloud.Platform.Tests.Infrastructure;
using Xunit.Abstractions;

namespace LvmCloud.Platform.Tests.Faults;

/// <summary>
/// SIGTERM (a scale-in, a new revision) in the middle of a generation: the real worker process stops generating at the
/// next decode step, hands its message back (visible again at once) and exits within the host's shutdown timeout, as
/// the container's grace period requires (infra/: <c>WorkerAppsTests</c>); another worker finishes the items.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class GracefulShutdownTests(AzuriteFixture azurite, ITestOutputHelper output) : IDisposable
{
    private const int ShutdownTimeoutSeconds = 10;
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("lvm-shutdown-");

    public void Dispose() => _temp.Delete(recursive: true);

    [Fact]
    public async Task A_worker_stopped_with_SIGTERM_mid_generation_hands_the_message_back_within_its_shutdown_timeout()
    {
        var models = Path.Combine(_temp.FullName, "models");
        TinyModel.Save(models, layers: 4);
        await using var harness = await PlatformHarness.CreateAsync(azurite);
        const int items = 4;
        var (batchId, _) = await BatchSeeder.SeedAsync(harness, items, perMessage: items, fields: _ => "\"n_new_frames\": 3, \"n_candidates\": 2");
        var settings = new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = harness.Settings["Storage:ConnectionString"],
            ["Storage:QueuePrefix"] = harness.Settings["Storage:QueuePrefix"],
            ["Worker:Queues"] = QueueNames.GenerateKind,
            // Far longer than the test: only a hand-back makes the message visible again in time.
            ["Worker:VisibilityTimeout"] = "00:10:00",
            ["Worker:PollInterval"] = "00:00:00.050",
            ["Worker:MaxPollInterval"] = "00:00:00.250",
            ["Worker:ModelsDirectory"] = models,
            ["Worker:ModelCacheDirectory"] = Path.Combine(_temp.FullName, "cache"),
            ["Training:TorchThreads"] = "1",
            ["DOTNET_SHUTDOWNTIMEOUTSECONDS"] = $"{ShutdownTimeoutSeconds}", // what infra/ sets from the grace period
        };

        using (var first = WorkerProcess.Start(settings))
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
            while ((await harness.State.GetBatchAsync(batchId, CancellationToken.None))!.ItemsRunning < items)
            {
                Assert.False(first.HasExited || DateTime.UtcNow > deadline, first.Output);
                await Task.Delay(10);
            }
            var clock = Stopwatch.StartNew();
            await first.StopAsync(TimeSpan.FromSeconds(60));
            output.WriteLine($"stopped in {clock.Elapsed.TotalSeconds:F2} s");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(ShutdownTimeoutSeconds), $"the worker took {clock.Elapsed} to stop:\n{first.Output}");
            Assert.Contains(first.Lines, l => l.Contains("handed back"));
        }
        var stopped = await harness.State.GetBatchAsync(batchId, CancellationToken.None);
        Assert.Equal(0, stopped!.ItemsSucceeded); // it stopped mid-generation, not after it

        using var second = WorkerProcess.Start(settings);
        var batch = await harness.WaitForBatchAsync(batchId, TimeSpan.FromSeconds(120));
        await second.StopAsync(TimeSpan.FromSeconds(30));
        Assert.Equal((BatchStates.Finished, items), (batch.State, batch.ItemsSucceeded));
        Assert.All(await harness.State.GetItemsAsync(batchId, CancellationToken.None), i => Assert.Equal(2, i.Attempts));
    }
}
