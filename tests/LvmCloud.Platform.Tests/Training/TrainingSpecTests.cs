using LvmCloud.Platform.Training;
using LvmCloud.Vision.Transformer;
using LvmCloud.Worker.Training;

namespace LvmCloud.Platform.Tests.Training;

/// <summary>run.json's rules that need no storage: data paths, the data split, defaults, presets and seeds.</summary>
public sealed class TrainingSpecTests
{
    [Fact]
    public void The_platform_knows_exactly_the_transformer_presets_the_worker_has() =>
        Assert.Equal(LlamaPresets.All.Select(p => p.Name), TransformerPresetNames.All);

    [Theory]
    [InlineData("tokens/fmnist/tok/shard-00000.bin", "tokens", "fmnist/tok/shard-00000.bin")]
    [InlineData("tokens/fmnist/tok/", "tokens", "fmnist/tok/")]
    [InlineData("data/train.jsonl", "training", "run-1/data/train.jsonl")]
    [InlineData("training/run-1/data/a/", "training", "run-1/data/a/")]
    public void Data_entries_resolve_to_registered_shards_or_the_run_s_own_data_folder(string entry, string container, string path)
    {
        Assert.Null(TrainingDataPath.Resolve(entry, "run-1", out var location));
        Assert.Equal(new DataLocation(container, path), location);
    }

    [Theory]
    [InlineData("../tokens/a.bin", "'..'")]
    [InlineData("/tokens/a.bin", "absolute")]
    [InlineData("https://evil.example/a.bin", "URL")]
    [InlineData("training/run-2/data/a.bin", "outside this run's data folder")]
    [InlineData("training/run-1/rounds/0/base/model/model.bin", "outside this run's data folder")]
    [InlineData("models/fmnist-lvm/latest/a.bin", "neither under tokens/")]
    [InlineData("run.json", "neither a token shard")]
    [InlineData("tokens/", "whole tokens container")]
    public void Data_entries_outside_the_run_and_the_tokens_container_are_refused(string entry, string reason)
    {
        var problem = TrainingDataPath.Resolve(entry, "run-1", out var location);
        Assert.Null(location);
        Assert.Contains(reason, problem);
    }

    [Fact]
    public void Shards_split_files_when_there_are_enough_and_rows_otherwise()
    {
        var files = Enumerable.Range(0, 5).Select(i => new DataFile("tokens", $"d/t/shard-{i:D5}.bin", 10, $"v{i}")).ToList();
        var plan = new TrainingPlan("run-1", files, []);
        Assert.Equal(["d/t/shard-00001.bin", "d/t/shard-00003.bin"], plan.DataFor(1, 2).Files.Select(f => f.Path));
        Assert.Equal((0, 1), (plan.DataFor(1, 2).RowOffset, plan.DataFor(1, 2).RowStride));
        var few = new TrainingPlan("run-1", files.Take(2).ToList(), []);
        Assert.Equal((2, 2, 4), (few.DataFor(2, 4).Files.Count, few.DataFor(2, 4).RowOffset, few.DataFor(2, 4).RowStride));
        Assert.Equal((0, 1), (new TrainingPlan("run-1", files, []).DataFor(0, 1).RowOffset, new TrainingPlan("run-1", files, []).DataFor(0, 1).RowStride));
    }

    [Fact]
    public void Defaults_are_the_paper_s_outer_optimizer_and_a_checkpoint_at_least_every_hundred_inner_steps()
    {
        var spec = TrainingRunSpecJson.Parse("""{"rounds": 3, "shardsPerRound": 2, "innerSteps": 500}""");
        Assert.Equal(new OuterOptimizerSpec(0.7, 0.9, true), spec.OuterOrDefault);
        Assert.Equal(100, spec.CheckpointInterval);
        Assert.Equal(20, (spec with { InnerSteps = 20 }).CheckpointInterval);
        Assert.Equal(1500, spec.TotalInnerSteps);
    }

    [Fact]
    public void Shard_0_draws_the_run_s_own_data_order_and_other_shards_stable_orders_of_their_own()
    {
        Assert.Equal(7, ShardTraining.Seed(7, 0));
        var seeds = Enumerable.Range(0, 8).Select(k => ShardTraining.Seed(7, k)).ToList();
        Assert.Equal(seeds.Count, seeds.Distinct().Count());
        Assert.Equal(seeds, Enumerable.Range(0, 8).Select(k => ShardTraining.Seed(7, k)));
        Assert.All(seeds, s => Assert.True(s >= 0));
    }
}
