using LvmCloud.Core.Manifests;
using LvmCloud.Vision.Generation;
using LvmCloud.Vision.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Generation;

public class GenerationEngineTests
{
    private static long[][] Rows(Tensor t) =>
        Enumerable.Range(0, (int)t.shape[0]).Select(r => { using var row = t[r]; return row.data<long>().ToArray(); }).ToArray();

    /// <summary>Prompts of lengths 24, 13 and 7 cut from the fixture's two prompts.</summary>
    private static long[][] MixedPrompts(LlamaFixture fixture)
    {
        using var ids = fixture.Tensor("input_ids");
        var rows = Rows(ids);
        return [rows[0], rows[1][..13], rows[0][5..12]];
    }

    [Theory]
    [InlineData(LlamaFixture.Mha)]
    [InlineData(LlamaFixture.Gqa)]
    public void Greedy_generation_reproduces_the_reference_tokens(string fixtureName)
    {
        var fixture = new LlamaFixture(fixtureName);
        using var model = fixture.LoadModel();
        using var ids = fixture.Tensor("input_ids");
        using var expected = fixture.Tensor("greedy_new_tokens");
        var engine = new GenerationEngine(model);

        using var tokens = engine.Generate(Rows(ids), GenerationOptions.Greedy((int)expected.shape[1]));

        Assert.Equal(Rows(expected), Rows(tokens));
    }

    [Theory]
    [InlineData(LlamaFixture.Mha)]
    [InlineData(LlamaFixture.Gqa)]
    public void Greedy_batch_of_different_lengths_matches_each_prompt_alone(string fixtureName)
    {
        var fixture = new LlamaFixture(fixtureName);
        using var model = fixture.LoadModel();
        var engine = new GenerationEngine(model);
        var prompts = MixedPrompts(fixture);
        var options = GenerationOptions.Greedy(12);

        using var batched = engine.Generate(prompts, options);

        var batchedRows = Rows(batched);
        for (int i = 0; i < prompts.Length; i++)
        {
            using var alone = engine.Generate([prompts[i]], options);
            Assert.Equal(Rows(alone)[0], batchedRows[i]);
        }
    }

    [Fact]
    public void Sampled_batch_of_different_lengths_matches_each_prompt_alone_with_its_seed()
    {
        var fixture = new LlamaFixture(LlamaFixture.Gqa);
        using var model = fixture.LoadModel();
        var engine = new GenerationEngine(model);
        var prompts = MixedPrompts(fixture);
        long[] seeds = [101, 202, 303, 404, 505, 606];
        var options = new GenerationOptions(12, new Sampling(Temperature: 1f, TopP: 0.95f), Candidates: 2, Seeds: seeds);

        using var batched = engine.Generate(prompts, options);

        var batchedRows = Rows(batched);
        Assert.Equal(prompts.Length * 2, batchedRows.Length);
        for (int p = 0; p < prompts.Length; p++)
            for (int c = 0; c < 2; c++)
            {
                int row = p * 2 + c;
                using var alone = engine.Generate([prompts[p]], options with { Candidates = 1, Seeds = [seeds[row]] });
                Assert.Equal(Rows(alone)[0], batchedRows[row]);
            }
        Assert.NotEqual(batchedRows[0], batchedRows[1]); // two candidates of one prompt, different seeds
    }

    [Theory]
    [InlineData(LlamaFixture.Mha)]
    [InlineData(LlamaFixture.Gqa)]
    public void Candidates_sharing_the_prompt_cache_give_the_tokens_of_a_cache_copied_per_row(string fixtureName)
    {
        var fixture = new LlamaFixture(fixtureName);
        using var model = fixture.LoadModel();
        var prompts = MixedPrompts(fixture);
        var options = new GenerationOptions(10, new Sampling(Temperature: 1.2f, TopK: 50), Candidates: 3);

        using var shared = new GenerationEngine(model).Generate(prompts, options);
        using var copied = new GenerationEngine(model) { SharePromptCache = false }.Generate(prompts, options);
        using var greedyShared = new GenerationEngine(model).Generate(prompts, GenerationOptions.Greedy(10) with { Candidates = 3 });
        using var greedyAlone = new GenerationEngine(model).Generate(prompts, GenerationOptions.Greedy(10));

        Assert.Equal(Rows(copied), Rows(shared));
        var greedyRows = Rows(greedyShared);
        var aloneRows = Rows(greedyAlone);
        for (int row = 0; row < greedyRows.Length; row++)
            Assert.Equal(aloneRows[row / 3], greedyRows[row]);                 // greedy candidates: the prompt's one continuation
    }

    [Fact]
    public void A_rows_sampled_tokens_do_not_depend_on_its_batch_mates()
    {
        var fixture = new LlamaFixture(LlamaFixture.Mha);
        using var model = fixture.LoadModel();
        var engine = new GenerationEngine(model);
        var prompts = MixedPrompts(fixture);
        var options = new GenerationOptions(16, new Sampling(Temperature: 1.5f));

        using var withSecond = engine.Generate([prompts[0], prompts[1]], options with { Seeds = [7, 8] });
        using var withThird = engine.Generate([prompts[0], prompts[2], prompts[1]], options with { Seeds = [7, 9, 10] });

        Assert.Equal(Rows(withSecond)[0], Rows(withThird)[0]);
        Assert.NotEqual(Rows(withSecond)[1], Rows(withThird)[1]);
    }

    [Fact]
    public void The_same_seeds_give_the_same_tokens_and_other_seeds_other_tokens()
    {
        var fixture = new LlamaFixture(LlamaFixture.Mha);
        using var model = fixture.LoadModel();
        var engine = new GenerationEngine(model);
        var prompts = MixedPrompts(fixture);
        var options = new GenerationOptions(16, new Sampling(Temperature: 1.5f), Seeds: [1, 2, 3]);

        using var first = engine.Generate(prompts, options);
        using var again = engine.Generate(prompts, options);
        using var other = engine.Generate(prompts, options with { Seeds = [4, 5, 6] });

        Assert.Equal(Rows(first), Rows(again));
        Assert.NotEqual(Rows(first), Rows(other));
    }

    [Fact]
    public void Top_k_of_one_equals_greedy()
    {
        var fixture = new LlamaFixture(LlamaFixture.Gqa);
        using var model = fixture.LoadModel();
        var engine = new GenerationEngine(model);
        var prompts = MixedPrompts(fixture);

        using var greedy = engine.Generate(prompts, GenerationOptions.Greedy(12));
        using var topOne = engine.Generate(prompts, new GenerationOptions(12, new Sampling(Temperature: 2f, TopK: 1), Seeds: [3, 4, 5]));

        Assert.Equal(Rows(greedy), Rows(topOne));
    }

    [Fact]
    public void Sampled_ids_never_reach_the_allowed_vocabulary_limit()
    {
        var fixture = new LlamaFixture(LlamaFixture.Mha);
        using var model = fixture.LoadModel();
        var engine = new GenerationEngine(model);
        var prompts = MixedPrompts(fixture);
        var flat = new GenerationOptions(32, new Sampling(Temperature: 20f), Candidates: 2);

        using var unrestricted = engine.Generate(prompts, flat);
        using var restricted = engine.Generate(prompts, flat with { AllowedVocab = 50 });
        using var greedyRestricted = engine.Generate(prompts, GenerationOptions.Greedy(32, allowedVocab: 50));

        Assert.True(unrestricted.max().item<long>() >= 50, "without a limit, flat sampling reaches ids above 50");
        Assert.InRange(restricted.max().item<long>(), 0, 49);
        Assert.InRange(greedyRestricted.max().item<long>(), 0, 49);
    }

    [Fact]
    public void Returns_only_new_tokens_one_row_per_prompt_and_candidate()
    {
        var fixture = new LlamaFixture(LlamaFixture.Gqa);
        using var model = fixture.LoadModel();
        var engine = new GenerationEngine(model);
        var steps = new List<int>();

        using var tokens = engine.Generate(MixedPrompts(fixture), new GenerationOptions(5, new Sampling(), Candidates: 3), new SyncProgress(steps));

        Assert.Equal(new long[] { 9, 5 }, tokens.shape);
        Assert.Equal(ScalarType.Int64, tokens.dtype);
        Assert.Equal([1, 2, 3, 4, 5], steps);
    }

    [Fact]
    public void Rejects_bad_prompts_and_options_with_specific_errors()
    {
        var fixture = new LlamaFixture(LlamaFixture.Gqa);
        using var model = fixture.LoadModel();
        var engine = new GenerationEngine(model);
        int context = fixture.Config.MaxPositionEmbeddings, vocab = fixture.Config.VocabSize;

        var tooLong = Assert.Throws<ArgumentException>(() => engine.Generate([new long[context - 3]], GenerationOptions.Greedy(4)));
        Assert.Contains("context", tooLong.Message);
        var badId = Assert.Throws<ArgumentOutOfRangeException>(() => engine.Generate([[1, vocab]], GenerationOptions.Greedy(2)));
        Assert.Contains($"token id {vocab}", badId.Message);
        var empty = Assert.Throws<ArgumentException>(() => engine.Generate([[1, 2], []], GenerationOptions.Greedy(2)));
        Assert.Contains("Prompt 1 is empty", empty.Message);
        var seeds = Assert.Throws<ArgumentException>(() => engine.Generate([[1, 2]], new GenerationOptions(2, new Sampling(), Candidates: 2, Seeds: [1])));
        Assert.Contains("one seed per output row", seeds.Message);
        var topP = Assert.Throws<ArgumentException>(() => engine.Generate([[1, 2]], new GenerationOptions(2, new Sampling(TopP: 0f))));
        Assert.Contains("TopP", topP.Message);
    }

    [Fact]
    public void Live_tensor_count_stays_flat_over_many_generate_calls()
    {
        var fixture = new LlamaFixture(LlamaFixture.Gqa);
        using var model = fixture.LoadModel();
        var engine = new GenerationEngine(model);
        long[][] prompts = [[3, 4, 5, 6], [7, 8]];
        var sampled = new GenerationOptions(4, new Sampling(Temperature: 1f, TopP: 0.9f, TopK: 20), Candidates: 2);
        var greedy = GenerationOptions.Greedy(4);
        void RunOnce(int i)
        {
            using var tokens = engine.Generate(prompts, i % 2 == 0 ? sampled : greedy);
        }

        for (int i = 0; i < 10; i++) RunOnce(i);
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 1000; i++) RunOnce(i);
        long after = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        Assert.Equal(before, after);
    }

    private sealed class SyncProgress(List<int> seen) : IProgress<int>
    {
        public void Report(int value) => seen.Add(value);
    }
}
