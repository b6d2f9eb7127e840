using System.Text.Json;
using LvmCloud.Vision.Checkpoints;
using LvmCloud.Vision.Transformer;

namespace LvmCloud.Vision.Tests.Checkpoints;

public sealed class HfShardPlanTests
{
    [Fact]
    public void Released_7B_splits_into_three_shards_of_5_0_4_9_and_3_2_GB()
    {
        var tensors = HfLlamaTensors.StateDictOrder(LlamaPresets.Get("vqlm_7b"));

        var shards = HfShardPlan.Split(tensors, HfShardPlan.FiveGigabytes);

        Assert.Equal(3, shards.Count);
        Assert.Equal([5.0, 4.9, 3.2], shards.Select(s => Math.Round(s.Sum(t => t.Bytes) / 1e9, 1)));
        Assert.Equal(LlamaPresets.Get("vqlm_7b").ParameterCount * 2, shards.Sum(s => s.Sum(t => t.Bytes)));
        Assert.Equal(tensors, shards.SelectMany(s => s));                                          // state-dict order kept
        for (int i = 0; i + 1 < shards.Count; i++)
            Assert.True(shards[i].Sum(t => t.Bytes) + shards[i + 1][0].Bytes > HfShardPlan.FiveGigabytes, $"shard {i} closed early");
        Assert.Equal("model.layers.12.self_attn.v_proj.weight", shards[1][0].Name);
    }

    [Fact]
    public void One_shard_is_model_safetensors_and_several_are_numbered()
    {
        Assert.Equal("model.safetensors", HfShardPlan.FileName(0, 1));
        Assert.Equal("model-00002-of-00003.safetensors", HfShardPlan.FileName(1, 3));
    }

    [Fact]
    public void A_tensor_above_the_limit_gets_a_shard_of_its_own()
    {
        SafetensorsWriteEntry[] tensors = [new("a", "F16", [10]), new("big", "F16", [100]), new("c", "F16", [10])];

        var shards = HfShardPlan.Split(tensors, maxShardBytes: 50);

        Assert.Equal([["a"], ["big"], ["c"]], shards.Select(s => s.Select(t => t.Name).ToArray()));
    }

    [Fact]
    public void Index_maps_every_tensor_to_its_shard_with_the_total_size()
    {
        var tensors = HfLlamaTensors.StateDictOrder(LlamaPresets.Get("tiny"));
        var shards = HfShardPlan.Split(tensors, maxShardBytes: 32 * 1024);

        using var index = JsonDocument.Parse(HfShardPlan.IndexJson(shards));

        Assert.Equal(tensors.Sum(t => t.Bytes), index.RootElement.GetProperty("metadata").GetProperty("total_size").GetInt64());
        var map = index.RootElement.GetProperty("weight_map").EnumerateObject().ToList();
        Assert.Equal(tensors.Select(t => t.Name).Order(StringComparer.Ordinal), map.Select(p => p.Name));
        Assert.Equal(HfShardPlan.FileName(shards.Count - 1, shards.Count), map.Single(p => p.Name == "lm_head.weight").Value.GetString());
    }
}
