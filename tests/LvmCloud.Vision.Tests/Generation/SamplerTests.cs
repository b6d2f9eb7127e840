using LvmCloud.Core.Manifests;
using LvmCloud.Vision.Generation;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Generation;

public class SamplerTests
{
    private static bool[] Kept(Tensor filtered)
    {
        using var finite = filtered.isfinite();
        return finite.data<bool>().ToArray();
    }

    [Fact]
    public void Top_k_keeps_the_k_largest_logits()
    {
        using var logits = tensor(new[] { 0.5f, 3f, -1f, 2f, 1f });
        using var filtered = Sampler.TopK(logits, 2);
        Assert.Equal([false, true, false, true, false], Kept(filtered));
        using var all = Sampler.TopK(logits, 0);
        Assert.All(Kept(all), Assert.True);
    }

    [Fact]
    public void Top_p_keeps_the_smallest_set_reaching_the_mass()
    {
        using var probs = tensor(new[] { 0.15f, 0.5f, 0.05f, 0.3f });
        using var logits = probs.log();

        using var p70 = Sampler.TopP(logits, 0.7f);
        using var p85 = Sampler.TopP(logits, 0.85f);
        using var p10 = Sampler.TopP(logits, 0.1f);

        Assert.Equal([false, true, false, true], Kept(p70));
        Assert.Equal([true, true, false, true], Kept(p85));
        Assert.Equal([false, true, false, false], Kept(p10)); // the most likely id always stays
    }

    [Fact]
    public void Restricting_the_vocabulary_blocks_ids_at_and_above_the_limit()
    {
        using var logits = tensor(new[] { 0f, 1f, 9f, 2f });
        using var restricted = Sampler.RestrictVocabulary(logits, 2);
        using var wide = Sampler.RestrictVocabulary(logits, 8192);
        Assert.Equal([true, true, false, false], Kept(restricted));
        Assert.All(Kept(wide), Assert.True);
    }

    [Fact]
    public void Temperature_zero_is_argmax_within_the_allowed_ids()
    {
        using var logits = tensor(new[,] { { 0f, 5f, 1f, 9f }, { 3f, 1f, 2f, 0f } });
        using var all = Sampler.Sample(logits, GenerationOptions.Greedy(1), []);
        using var restricted = Sampler.Sample(logits, GenerationOptions.Greedy(1, allowedVocab: 3), []);
        Assert.Equal([3L, 0L], all.data<long>().ToArray());
        Assert.Equal([1L, 0L], restricted.data<long>().ToArray());
    }

    [Fact]
    public void Each_row_draws_from_its_own_generator()
    {
        using var row = randn(1, 64);
        using var logits = row.expand(3, 64).contiguous();
        var options = new GenerationOptions(1, new Sampling(Temperature: 1f));
        long Draw(ulong seedA, ulong seedB, ulong seedC)
        {
            using var a = new Generator(seedA, CPU);
            using var b = new Generator(seedB, CPU);
            using var c = new Generator(seedC, CPU);
            using var ids = Sampler.Sample(logits, options, [a, b, c]);
            return ids[0].item<long>();
        }

        // Row 0's id depends on its own seed only.
        Assert.Equal(Draw(42, 1, 2), Draw(42, 3, 4));
        var manyDraws = Enumerable.Range(0, 20).Select(s => Draw((ulong)s, 0, 0)).Distinct().Count();
        Assert.True(manyDraws > 1, "different seeds must be able to give different ids");
    }
}
