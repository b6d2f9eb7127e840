using LvmCloud.Core.Manifests;
using LvmCloud.Vision.Generation;
using LvmCloud.Vision.Pipelines;
using LvmCloud.Vision.Tests.Training;

namespace LvmCloud.Vision.Tests.Pipelines;

[Collection(TorchRngCollection.Name)]
public sealed class VisualPrompterTests : IDisposable
{
    private readonly LvmModel _model = TinyLvm.Create(contextFrames: 3);

    public void Dispose() => _model.Dispose();

    private static long[] Frame(int seed) => Enumerable.Range(0, 64).Select(i => (long)((i * 7 + seed * 13) % 64)).ToArray();

    [Fact]
    public void Generates_the_asked_frames_for_every_candidate_and_only_image_codes()
    {
        var prompter = new VisualPrompter(_model);
        var result = prompter.Generate([new VisualPrompt([Frame(1), Frame(2)], Seed: 5)], newFrames: 3, candidates: 2, new Sampling(1f));
        Assert.Equal(1, result.Prompts);
        Assert.Equal(2, result.Candidates);
        Assert.Equal(3, result.Frames);
        Assert.All(result.OfPrompt(0).SelectMany(f => f), t => Assert.InRange(t, 0, 63));
    }

    [Fact]
    public void Keeps_at_most_context_minus_one_frames_and_slides_the_window()
    {
        // context 3: a 4-frame prompt keeps frames 3 and 4; the first new frame fits, later ones slide the window.
        var prompter = new VisualPrompter(_model);
        var frames = new[] { Frame(1), Frame(2), Frame(3), Frame(4) };
        var result = prompter.Generate([new VisualPrompt(frames, Seed: 0)], newFrames: 2, candidates: 1, new Sampling(0f));

        var engine = new GenerationEngine(_model.Transformer);
        long[] Greedy(params long[][] window)
        {
            using var t = engine.Generate([window.SelectMany(f => f).ToArray()], GenerationOptions.Greedy(64, 64));
            return t.data<long>().ToArray();
        }
        var first = Greedy(Frame(3), Frame(4));
        Assert.Equal(first, result.Frame(0, 0, 0));
        Assert.Equal(Greedy(Frame(4), first), result.Frame(0, 0, 1));
    }

    [Fact]
    public void A_prompt_decodes_the_same_alone_or_batched_with_others()
    {
        var prompter = new VisualPrompter(_model);
        var sampling = new Sampling(1f, 0.9f);
        var a = new VisualPrompt([Frame(1)], Seed: 11);
        var b = new VisualPrompt([Frame(9)], Seed: 12);
        var alone = prompter.Generate([a], 2, 2, sampling);
        var batched = prompter.Generate([b, a], 2, 2, sampling);
        for (int c = 0; c < 2; c++)
            for (int f = 0; f < 2; f++)
                Assert.Equal(alone.Frame(0, c, f), batched.Frame(1, c, f));
        Assert.NotEqual(alone.Frame(0, 0, 0), alone.Frame(0, 1, 0)); // candidates differ
    }

    [Fact]
    public void Perplexity_is_lower_for_the_models_own_greedy_continuation()
    {
        var prompter = new VisualPrompter(_model);
        var greedy = prompter.Generate([new VisualPrompt([Frame(1)], 0)], 1, 1, new Sampling(0f)).Frame(0, 0, 0);
        var ppl = prompter.Perplexity([[Frame(1)], [Frame(1)]], [[greedy], [Frame(5)]]);
        Assert.True(ppl[0] >= 1 && ppl[0] < ppl[1], $"greedy {ppl[0]} vs other {ppl[1]}");
    }
}
