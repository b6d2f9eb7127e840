using System.Diagnostics;
using LvmCloud.Platform;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Storage;
using LvmCloud.Platform.Training;
using LvmCloud.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LvmCloud.TrainingBench;

/// <summary>
/// The DiLoCo run through the platform as it runs in production, on Azurite: the token shards uploaded to the
/// <c>tokens</c> container, the run started by the training service (run.json, plan, round 0 queued), and one worker host
/// built as the worker's Program.cs builds it (one train-shard job at a time, so a round's K jobs run one after another).
/// With a warm start the run fine-tunes the registered warm-start model (<c>base: {"model": ...}</c>); else it starts from
/// the preset's initial weights for the seed.
/// </summary>
internal static class DiLoCoRun
{
    public static async Task<(TrainingRunStatus Status, TimeSpan Wall)> RunAsync(BenchSettings settings, DiLoCoArm arm, string trainTokens, WarmStart? warm,
        string connectionString, string repoRoot)
    {
        var temp = Directory.CreateTempSubdirectory("lvm-training-bench-");
        var config = new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = connectionString,
            ["Storage:QueuePrefix"] = $"tb{Guid.NewGuid():N}"[..12] + "-",
            ["Intake:DefaultModelName"] = "fmnist-lvm",
            ["Intake:DefaultModelVersion"] = "latest",
            ["Worker:Queues"] = QueueNames.TrainShardKind,
            ["Worker:Concurrency"] = "1",
            ["Worker:VisibilityTimeout"] = "00:05:00",
            ["Worker:PollInterval"] = "00:00:00.050",
            ["Worker:MaxPollInterval"] = "00:00:00.250",
            ["Worker:ModelsDirectory"] = Path.Combine(repoRoot, "models"),
            ["Worker:ModelCacheDirectory"] = Path.Combine(temp.FullName, "cache"),
            ["Training:TorchThreads"] = settings.Threads.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Training:DataCacheDirectory"] = Path.Combine(temp.FullName, "data"),
        };
        try
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Configuration.AddInMemoryCollection(config);
            builder.Logging.SetMinimumLevel(LogLevel.Warning).AddSimpleConsole(o => o.SingleLine = true);
            builder.Logging.AddFilter("LvmCloud.Worker.Training.RoundMerger", LogLevel.Information);
            builder.Services.AddLvmModels();
            builder.Services.AddLvmWorker();
            using var host = builder.Build();
            var clients = host.Services.GetRequiredService<StorageClients>();
            await clients.EnsureCreatedAsync(CancellationToken.None);
            var dataset = $"fmnist-bench-{Guid.NewGuid():N}"[..20];
            await clients.Tokens.GetBlobClient($"{dataset}/fmnist-lvm/train.bin").UploadAsync(trainTokens, overwrite: true);
            await clients.Tokens.GetBlobClient($"{dataset}/fmnist-lvm/eval.bin").UploadAsync(settings.EvalTokens, overwrite: true);

            if (warm is not null)
                await warm.RegisterAsync(clients, CancellationToken.None);
            var spec = new TrainingRunSpec(
                Base: warm is not null ? new RunBaseSpec(Model: warm.Reference) : new RunBaseSpec(Preset: settings.Preset, Tokenizer: new ModelReference("fmnist-lvm", "latest")),
                Data: new RunDataSpec([$"tokens/{dataset}/fmnist-lvm/train.bin"], [$"tokens/{dataset}/fmnist-lvm/eval.bin"]),
                Rounds: arm.Rounds,
                ShardsPerRound: settings.Shards,
                InnerSteps: arm.InnerSteps,
                Seed: settings.Seed,
                Inner: new InnerOptimizerSpec(settings.BatchSize, 1, settings.LearningRate, settings.EndLearningRate, settings.WarmupSteps, settings.WeightDecay),
                Outer: new OuterOptimizerSpec(arm.OuterLearningRate, settings.OuterMomentum, true, arm.Compression == "none" ? null : arm.Compression),
                Output: new ModelReference("fmnist-diloco-bench", Guid.NewGuid().ToString("N")[..8]),
                EvalBatches: settings.EvalBatches);
            var service = host.Services.GetRequiredService<TrainingRunService>();
            var clock = Stopwatch.StartNew();
            var started = await service.StartAsync(TrainingRunSpecJson.Write(spec), CancellationToken.None);
            await host.StartAsync();
            TrainingRunStatus status;
            while (true)
            {
                status = await service.GetStatusAsync(started.RunId, CancellationToken.None);
                if (RunStates.IsTerminal(status.State))
                    break;
                await Task.Delay(1000);
            }
            var wall = clock.Elapsed;
            await host.StopAsync();
            if (status.State != RunStates.Finished)
                throw new InvalidOperationException($"The DiLoCo run ended {status.State}: {status.Reason}");
            return (status, wall);
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }
}
