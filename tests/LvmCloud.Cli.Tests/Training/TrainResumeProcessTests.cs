using LvmCloud.Cli.Tests.Support;
using LvmCloud.Core.Tokens;
using LvmCloud.Vision.Training;
using LvmCloud.Vision.Transformer;
using Xunit.Abstractions;

namespace LvmCloud.Cli.Tests.Training;

/// <summary>
/// <c>lvm train</c> killed with SIGKILL and started again by a new process continues the curve an uninterrupted run
/// draws: the checkpoint (weights, AdamW state, step) survives the kill and the data order is the same in every process.
/// </summary>
public sealed class TrainResumeProcessTests(ITestOutputHelper output) : IDisposable
{
    private const int Steps = 300; // long enough that the run is still going when the kill lands, on a fast idle machine too
    private const int KillAfter = 10;
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private string[] Args(string run, string shard, string config) =>
    [
        "train", "--tokens", shard, "--config", config, "--out", run, "--steps", Steps.ToString(), "--warmup", "5",
        "--batch-size", "4", "--checkpoint-every", "2", "--log-every", "1", "--eval-every", "0", "--seed", "3", "--threads", "1", "--json",
    ];

    /// <summary>The step and train_loss cells of every row, as written.</summary>
    private static List<(string Step, string Loss)> Curve(string run) =>
        File.ReadAllLines(Path.Combine(run, "loss.csv")).Skip(1).Select(l => l.Split(',')).Select(c => (c[0], c[2])).ToList();

    [Fact]
    public async Task A_train_process_killed_after_a_checkpoint_resumes_in_a_new_process_on_the_same_loss_curve()
    {
        string config = _temp.File("config.json");
        new LlamaConfig(64, 32, 64, 2, 4, 2, MaxPositionEmbeddings: 64).Save(config);
        var rng = new Random(8);
        var rows = Enumerable.Range(0, 48).Select(_ => rng.Next(64)).Select(s => (ReadOnlyMemory<int>)Enumerable.Range(0, 16).Select(t => (s + 5 * t) % 64).ToArray());
        string shard = _temp.File("tokens.bin");
        TokenShardWriter.WriteFiles(_temp.File("tokens.jsonl"), shard, rows.ToList());

        string straight = _temp.File("straight"), killed = _temp.File("killed");
        var uninterrupted = await CliRun.RunAsync(Args(straight, shard, config));
        Assert.True(uninterrupted.ExitCode == 0, uninterrupted.ToString());
        Assert.Equal(Steps, Curve(straight).Count);

        int killedAt;
        using (var first = LvmProcess.Start(Args(killed, shard, config)))
        {
            using var cts = new CancellationTokenSource(Timeout);
            while ((TryReadStep(killed) ?? 0) < KillAfter)
            {
                Assert.False(first.HasExited, $"lvm train ended before it was killed.\nstdout: {first.Stdout}\nstderr: {first.Stderr}");
                await Task.Delay(5, cts.Token);
            }
            first.Kill();
            killedAt = TrainingCheckpoint.ReadState(killed)!.Step;
        }
        output.WriteLine($"killed with step {killedAt} committed");
        Assert.InRange(killedAt, KillAfter, Steps - 1); // killed mid-run, past a checkpoint

        using (var second = LvmProcess.Start(Args(killed, shard, config)))
        {
            var result = await second.WaitAsync(Timeout);
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Equal(killedAt, result.Json().GetProperty("resumedFrom").GetInt32());
            Assert.Equal(Steps, result.Json().GetProperty("steps").GetInt32());
        }

        Assert.Equal(Curve(straight), Curve(killed));
        Assert.Equal(Steps, TrainingCheckpoint.ReadState(killed)!.Step);
        Assert.True(File.Exists(Path.Combine(TrainingCheckpoint.ModelDirectoryOf(killed), "model.safetensors")));
    }

    /// <summary>The committed step, or null while there is none (or the first commit is being written).</summary>
    private static int? TryReadStep(string run)
    {
        try
        {
            return TrainingCheckpoint.ReadState(run)?.Step;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
