using LvmCloud.Core.Tokens;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Storage;
using LvmCloud.Platform.Training;

namespace LvmCloud.Platform.Tests.Infrastructure;

/// <summary>Token shards and run specs for training tests: rows with a learnable rule over the tiny model's 64 codes.</summary>
internal static class TrainingTestData
{
    /// <summary><paramref name="count"/> sequences of <paramref name="length"/> tokens following t+1 = (t + 3) mod 64 from seeded starts.</summary>
    public static List<int[]> Rows(int count, int length, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => rng.Next(64)).Select(s => Enumerable.Range(0, length).Select(t => (s + 3 * t) % 64).ToArray()).ToList();
    }

    /// <summary>The rows as a binary token shard.</summary>
    public static byte[] Shard(IEnumerable<int[]> rows)
    {
        using var stream = new MemoryStream();
        TokenShardWriter.WriteBinary(TokenShard.FromSequences(rows), stream);
        return stream.ToArray();
    }

    /// <summary>Uploads the rows to <c>tokens/{dataset}/tiny/{name}</c> and returns the run.json entry naming it.</summary>
    public static async Task<string> UploadTokensAsync(StorageClients clients, string dataset, string name, IEnumerable<int[]> rows)
    {
        var path = $"{dataset}/{TinyModel.Name}/{name}";
        await clients.Tokens.GetBlobClient(path).UploadAsync(BinaryData.FromBytes(Shard(rows)), overwrite: true);
        return $"{StorageLayout.TokensContainer}/{path}";
    }

    /// <summary>A small run: fine-tunes the tiny model (or a preset with its tokenizer) and registers <paramref name="output"/>.</summary>
    public static TrainingRunSpec Spec(IReadOnlyList<string> train, IReadOnlyList<string>? eval, ModelReference output, int rounds, int shards, int innerSteps,
        int checkpointEvery, OuterOptimizerSpec? outer = null, string? preset = null, InnerOptimizerSpec? inner = null) => new(
        Base: preset is null ? new RunBaseSpec(Model: new ModelReference(TinyModel.Name, TinyModel.Version)) : new RunBaseSpec(Preset: preset, Tokenizer: new ModelReference(TinyModel.Name, TinyModel.Version)),
        Data: new RunDataSpec(train, eval),
        Rounds: rounds,
        ShardsPerRound: shards,
        InnerSteps: innerSteps,
        CheckpointEvery: checkpointEvery,
        Seed: 3,
        Inner: inner ?? new InnerOptimizerSpec(BatchSize: 4, LearningRate: 3e-3, EndLearningRate: 1e-4, WarmupSteps: 2, WeightDecay: 0.05),
        Outer: outer,
        Output: output,
        EvalBatches: 2);

    /// <summary>Polls the run's row until it is finished, failed or cancelled.</summary>
    public static async Task<RunEntity> WaitForRunAsync(PlatformHarness harness, string runId, TimeSpan timeout)
    {
        var state = harness.Get<TrainingStateStore>();
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var run = await state.GetRunAsync(runId, CancellationToken.None);
            if (run is not null && RunStates.IsTerminal(run.State))
                return run;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Run {runId} is still {run?.State} (round {run?.Round}) after {timeout}.");
            await Task.Delay(100);
        }
    }
}
