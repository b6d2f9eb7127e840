using System.Globalization;
using LvmCloud.Cli.Tests.Support;
using LvmCloud.Core.Tokens;
using LvmCloud.Vision.Memory;
using LvmCloud.Vision.Training;
using LvmCloud.Vision.Transformer;

namespace LvmCloud.Cli.Tests.Training;

/// <summary><c>lvm train</c> plans the training step before it builds the model: a step that cannot fit exits 4 and writes nothing.</summary>
public sealed class TrainMemoryPlanTests : IDisposable
{
    private static readonly LlamaConfig Config = new(64, 32, 64, 2, 4, 2, MaxPositionEmbeddings: 64);
    private readonly TempFolder _temp = new();
    private readonly string _config;
    private readonly string _shard;

    public TrainMemoryPlanTests()
    {
        _config = _temp.File("config.json");
        Config.Save(_config);
        var rows = Enumerable.Range(0, 8).Select(s => (ReadOnlyMemory<int>)Enumerable.Range(0, 16).Select(t => (s + 5 * t) % 64).ToArray()).ToList();
        _shard = _temp.File("tokens.bin");
        TokenShardWriter.WriteFiles(_temp.File("tokens.jsonl"), _shard, rows);
    }

    public void Dispose() => _temp.Dispose();

    /// <summary>Runs <c>lvm train</c> for one step with <see cref="MemoryBudget.OverrideVariable"/> set to <paramref name="gb"/> (the tests run one at a time).</summary>
    private async Task<CliResult> TrainWithMemoryLimit(string gb, string run, int batch)
    {
        Environment.SetEnvironmentVariable(MemoryBudget.OverrideVariable, gb);
        try
        {
            return await CliRun.RunAsync("train", "--tokens", _shard, "--config", _config, "--out", run, "--steps", "1", "--warmup", "0",
                "--batch-size", batch.ToString(CultureInfo.InvariantCulture), "--eval-every", "0", "--threads", "1", "--json");
        }
        finally
        {
            Environment.SetEnvironmentVariable(MemoryBudget.OverrideVariable, null);
        }
    }

    [Fact]
    public async Task A_step_that_cannot_fit_exits_4_with_the_numbers_and_writes_no_checkpoint()
    {
        string run = _temp.File("run");

        var result = await TrainWithMemoryLimit("0.2", run, batch: 4);

        Assert.True(result.ExitCode == 4, result.ToString());
        Assert.Contains("The training step does not fit in memory: the transformer (", result.Stderr);
        Assert.Contains("+ a batch of 4 sequences of 16 tokens ", result.Stderr);
        Assert.Contains("but 0.20 GB is free (LVM_MEMORY_LIMIT_GB=0.2). The weights, gradients and AdamW moments alone need 1.07 GB with the runtime. Nothing was loaded.", result.Stderr);
        Assert.Contains("Fix: a smaller model; or a machine with at least 1.07 GB free.", result.Stderr);
        Assert.Equal("", result.Stdout);
        Assert.False(Directory.Exists(run), "the refused run created its folder");
        Assert.Null(TrainingCheckpoint.ReadState(run));
    }

    [Fact]
    public async Task A_batch_too_big_names_the_batch_size_that_fits_and_a_step_that_fits_logs_its_plan()
    {
        var plan = MemoryPlanner.PlanTraining(Config, 1, 16, MemoryBudget.Gigabytes(1, "probe"));
        // Room beside the weights for 2.5 sequences of 16 tokens.
        string gb = ((plan.FixedBytes + 2.5 * plan.BytesPerSequence(16)) / ByteSize.BytesPerGb).ToString("R", CultureInfo.InvariantCulture);

        string refusedRun = _temp.File("refused");
        var refused = await TrainWithMemoryLimit(gb, refusedRun, batch: 4);
        string run = _temp.File("run");
        var trained = await TrainWithMemoryLimit(gb, run, batch: 2);

        Assert.True(refused.ExitCode == 4, refused.ToString());
        Assert.Contains("Fix: a smaller batch (--batch-size 2 at most; raise the gradient accumulation to keep the sequences per optimizer step)", refused.Stderr);
        Assert.False(Directory.Exists(refusedRun));
        Assert.True(trained.ExitCode == 0, trained.ToString());
        Assert.True(trained.Stderr.Contains($"memory: cpu float32 training: weights 0.00 GB + gradients 0.00 GB + AdamW moments 0.00 GB + runtime 1.07 GB + a batch of 2 sequences of 16 tokens 0.00 GB = 1.07 GB of 1.07 GB free (LVM_MEMORY_LIMIT_GB={gb}); at most 2 sequences per batch fit"), trained.Stderr);
        Assert.Equal(1, TrainingCheckpoint.ReadState(run)!.Step);
    }
}
