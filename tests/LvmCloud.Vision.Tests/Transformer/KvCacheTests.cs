using LvmCloud.Vision.Tests.Support;
using LvmCloud.Vision.Transformer;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Transformer;

public class KvCacheTests
{
    private const double Tolerance = 1e-4;

    [Theory]
    [InlineData(LlamaFixture.Mha)]
    [InlineData(LlamaFixture.Gqa)]
    public void Chunked_prefill_through_the_cache_matches_one_full_forward(string fixtureName)
    {
        var fixture = new LlamaFixture(fixtureName);
        using var model = fixture.LoadModel();
        using var ids = fixture.Tensor("input_ids");
        using var expected = fixture.Tensor("logits");
        using var _ = no_grad();
        using var cache = model.CreateCache((int)ids.shape[0], (int)ids.shape[1]);

        using var first = ids.narrow(1, 0, 10);
        using var second = ids.narrow(1, 10, 9);
        using var third = ids.narrow(1, 19, 5);
        using var a = model.Forward(first, cache, 0);
        using var b = model.Forward(second, cache, 10);
        using var c = model.Forward(third, cache, 19);
        using var all = cat([a, b, c], 1);

        Assert.InRange(LlamaFixture.MaxAbsDiff(all, expected), 0, Tolerance);
    }

    [Fact]
    public void Left_padding_with_mask_and_positions_leaves_the_real_logits_unchanged()
    {
        var fixture = new LlamaFixture(LlamaFixture.Gqa);
        using var model = fixture.LoadModel();
        using var ids = fixture.Tensor("input_ids");
        using var expected = fixture.Tensor("logits");
        using var _ = no_grad();
        const int pad = 5;
        using var padding = full(ids.shape[0], pad, 7L);
        using var padded = cat([padding, ids], 1);                                     // (B, pad+T)
        using var mask = cat([zeros(ids.shape[0], pad, dtype: ScalarType.Int64), ones_like(ids)], 1);
        using var positions = (mask.cumsum(1) - 1).clamp_min(0);

        using var logits = model.Forward(padded, attentionMask: mask, positionIds: positions);
        using var real = logits.narrow(1, pad, ids.shape[1]);

        Assert.InRange(LlamaFixture.MaxAbsDiff(real, expected), 0, Tolerance);
        using var unmasked = model.Forward(padded);
        using var unmaskedReal = unmasked.narrow(1, pad, ids.shape[1]);
        Assert.True(LlamaFixture.MaxAbsDiff(unmaskedReal, expected) > 1e-2, "without the mask the padding must show");
    }

    [Fact]
    public void Selected_rows_continue_like_the_rows_they_copy()
    {
        var fixture = new LlamaFixture(LlamaFixture.Gqa);
        using var model = fixture.LoadModel();
        using var ids = fixture.Tensor("input_ids");
        using var stepLogits = fixture.Tensor("greedy_step_logits");
        using var newTokens = fixture.Tensor("greedy_new_tokens");
        using var _ = no_grad();
        int t = (int)ids.shape[1];
        using var cache = model.CreateCache(2, t + 1);
        using var prefill = model.Forward(ids, cache, 0);

        using var order = tensor(new long[] { 1, 1, 0 });
        using var selected = cache.SelectRows(order);                                   // rows: 1, 1, 0
        using var firstNew = newTokens.select(1, 0);                                     // (2)
        using var input = firstNew.index_select(0, order).unsqueeze(1);                 // (3, 1)
        using var logits = model.Forward(input, selected, t);                            // (3, 1, V)
        using var expected = stepLogits.select(1, 1).index_select(0, order);            // (3, V)
        using var actual = logits.select(1, 0);

        Assert.Equal(3, selected.Batch);
        Assert.InRange(LlamaFixture.MaxAbsDiff(actual, expected), 0, Tolerance);
    }

    [Fact]
    public void Writing_past_the_end_is_refused_with_a_clear_error()
    {
        var fixture = new LlamaFixture(LlamaFixture.Mha);
        using var model = fixture.LoadModel();
        using var _ = no_grad();
        using var cache = model.CreateCache(1, 4);
        using var ids = tensor(new long[] { 1, 2, 3 }, [1, 3]);
        using var ok = model.Forward(ids, cache, 0);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => model.Forward(ids, cache, 3));
        Assert.Contains("overruns the KV cache of length 4", error.Message);
        var wrongBatch = Assert.Throws<ArgumentException>(() => model.Forward(tensor(new long[] { 1, 2 }, [2, 1]), cache, 3));
        Assert.Contains("KV cache has 1 rows", wrongBatch.Message);
    }
}
