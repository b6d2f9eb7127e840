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
        using var all = Sampler.Sample(logits, GenerationOptions.Greedy(1), null);
        using var restricted = Sampler.Sample(logits, GenerationOptions.Greedy(1, allowedVocab: 3), null);
        Assert.Equal([3L, 0L], all.data<long>().ToArray());
        Assert.Equal([1L, 0L], restricted.data<long>().ToArray());
    }

    [Fact]
    public void Each_row_draws_from_its_own_seed()
    {
        using var row = randn(1, 64);
        using var logits = row.expand(3, 64).contiguous();
        long Draw(long seedA, long seedB, long seedC)
        {
            var options = new GenerationOptions(1, new Sampling(Temperature: 1f), Seeds: [seedA, seedB, seedC]);
            using var uniforms = SamplingUniforms.Create(options, 3, 1, CPU);
            using var ids = Sampler.Sample(logits, options, uniforms.select(1, 0));
            return ids[0].item<long>();
        }

        // Row 0's id depends on its own seed only.
        Assert.Equal(Draw(42, 1, 2), Draw(42, 3, 4));
        var manyDraws = Enumerable.Range(0, 20).Select(s => Draw(s, 0, 0)).Distinct().Count();
        Assert.True(manyDraws > 1, "different seeds must be able to give different ids");
    }

    [Fact]
    public void Seeded_draws_follow_the_distribution()
    {
        // 20,000 rows of one distribution over 4 ids: each id's share within 1.5 % of its probability (about 5 sigma).
        float[] p = [0.1f, 0.2f, 0.3f, 0.4f];
        const int rows = 20_000;
        using var logits = tensor(p).log().unsqueeze(0).expand(rows, 4).contiguous();
        var options = new GenerationOptions(1, new Sampling(Temperature: 1f), Seeds: Enumerable.Range(0, rows).Select(i => (long)i * 7919).ToList());
        using var uniforms = SamplingUniforms.Create(options, rows, 1, CPU);
        using var ids = Sampler.Sample(logits, options, uniforms.select(1, 0));
        var counts = ids.data<long>().ToArray().GroupBy(i => i).ToDictionary(g => g.Key, g => g.Count());
        for (int id = 0; id < p.Length; id++)
            Assert.InRange(counts.GetValueOrDefault(id) / (double)rows, p[id] - 0.015, p[id] + 0.015);
    }

    [Fact]
    public void Inverse_cdf_never_picks_an_id_of_probability_zero()
    {
        // Draws at 0 and just below 1, where rounding of u · total could run past the last id of positive mass.
        using var probs = tensor(new float[] { 0f, 0.5f, 0.5f, 0f, 0f, 1f / 3, 1f / 3, 1f / 3, 0f }, [3, 3]);
        using var probs2 = tensor(new float[] { 0f, 0.5f, 0.5f, 0f, 0f, 1f, 0.25f, 0.75f, 0f }, [3, 3]);
        foreach (var u in new[] { 0f, 0.5f, 0.99999994f })
            foreach (var pr in new[] { probs, probs2 })
            {
                using var uniforms = full(3, u);
                using var ids = Sampler.InverseCdf(pr, uniforms);
                var picked = ids.data<long>().ToArray();
                for (int r = 0; r < 3; r++)
                    Assert.True(pr[r, picked[r]].item<float>() > 0, $"row {r}, u {u}: picked id {picked[r]} of probability 0");
            }
    }

    [Fact]
    public void Sampling_uniforms_are_pinned_per_seed()
    {
        // SplitMix64 of the row's seed, 24 bits per draw: the same on every machine and in every process. The values
        // were computed by an independent implementation of SplitMix64 (not this code).
        var options = new GenerationOptions(3, new Sampling(Temperature: 1f), Seeds: [0L, 12345L]);
        using var uniforms = SamplingUniforms.Create(options, 2, 3, CPU);
        float[] expected = [0.8833107948303223f, 0.4315279722213745f, 0.02643376588821411f, 0.1330796480178833f, 0.20481657981872559f, 0.11954253911972046f];
        Assert.Equal(expected, uniforms.data<float>().ToArray());
    }
}
