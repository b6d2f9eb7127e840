using LvmCloud.Vision.Tests.Support;
using LvmCloud.Vision.Transformer;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Transformer;

public class SharedPromptKvCacheTests
{
    private const double Tolerance = 1e-5;

    /// <summary>
    /// Two prompts (the second left-padded by 6), 3 candidates each, 5 decode steps of random ids: the logits of every
    /// step through the shared cache equal those of a plain cache holding each prompt once per candidate.
    /// </summary>
    [Theory]
    [InlineData(LlamaFixture.Mha)]
    [InlineData(LlamaFixture.Gqa)]
    public void Decode_steps_match_a_plain_cache_with_the_prompt_copied_per_candidate(string fixtureName)
    {
        var fixture = new LlamaFixture(fixtureName);
        using var model = fixture.LoadModel();
        using var ids = fixture.Tensor("input_ids");
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        const int candidates = 3, steps = 5, pad = 6;
        int length = (int)ids.shape[1];
        var mask = ones(2, length, dtype: ScalarType.Int64);
        mask[1, TensorIndex.Slice(0, pad)] = zeros(pad, dtype: ScalarType.Int64);
        var positions = (mask.cumsum(1) - 1).clamp_min(0);
        var lengths = mask.sum(1);                                                           // (P)

        // Shared: the prompts once, candidates in their own rows.
        var promptCache = model.CreateCache(2, length);
        model.Forward(ids, promptCache, 0, positions, mask, inputsChecked: true);
        using var shared = new SharedPromptKvCache(promptCache, length, candidates, steps, mask);

        // Plain: every row its own copy of its prompt.
        var source = arange(2, dtype: ScalarType.Int64).repeat_interleave(candidates);       // (R)
        using var plain = model.CreateCache(2 * candidates, length + steps);
        model.Forward(ids.index_select(0, source), plain, 0, positions.index_select(0, source), mask.index_select(0, source), inputsChecked: true);
        var rowMask = cat([mask.index_select(0, source), ones(2 * candidates, steps, dtype: ScalarType.Int64)], 1);

        var generator = new Generator(7);
        for (int step = 0; step < steps; step++)
        {
            var input = randint(0, fixture.Config.VocabSize, [2 * candidates, 1], generator: generator);
            var stepPositions = (lengths.index_select(0, source) + step).unsqueeze(1);
            var fromShared = model.Forward(input, shared, step, stepPositions, inputsChecked: true);
            var fromPlain = model.Forward(input, plain, length + step, stepPositions, rowMask.narrow(1, 0, length + step + 1), inputsChecked: true);
            Assert.InRange(LlamaFixture.MaxAbsDiff(fromShared, fromPlain), 0, Tolerance);
        }
    }

    [Fact]
    public void Reads_each_prompt_once_per_step()
    {
        using var prompt = new KvCache(2, 3, 40, 2, 8);
        using var shared = new SharedPromptKvCache(prompt, 32, 4, 16, null);
        Assert.Equal(12, shared.Batch);
        // Step 5 (slot 4): 3 prompts × 32 keys + 12 rows × 5 keys, against 12 × (32 + 5) with a copy per row.
        Assert.Equal(3 * 32 + 12 * 5, shared.PositionsRead(4));
    }

    [Fact]
    public void Refuses_prefill_chunks_and_foreign_masks()
    {
        using var scope = NewDisposeScope();
        var shared = new SharedPromptKvCache(new KvCache(1, 1, 4, 1, 8), 4, 2, 3, null);
        using var _ = shared;
        var two = zeros(2, 1, 2, 8);
        var ex = Assert.Throws<ArgumentException>(() => shared.Attend(0, 0, two, two, two, new AttentionMask(null, false)));
        Assert.Contains("one token per row", ex.Message);
        var one = zeros(2, 1, 1, 8);
        ex = Assert.Throws<ArgumentException>(() => shared.Attend(0, 0, one, one, one, new AttentionMask(zeros(2, 1, 1, 5), false)));
        Assert.Contains("own prompt mask", ex.Message);
        using var twoPrompts = new KvCache(1, 2, 4, 1, 8);
        ex = Assert.Throws<ArgumentException>(() => new SharedPromptKvCache(twoPrompts, 4, 2, 3, ones(2, 3)));
        Assert.Contains("promptKeyMask must be", ex.Message);
    }
}
