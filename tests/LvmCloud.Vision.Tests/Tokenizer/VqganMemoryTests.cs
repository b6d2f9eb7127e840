using LvmCloud.Vision.Tests.Training;
using LvmCloud.Vision.Tokenizer;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Tokenizer;

/// <summary>Freeing intermediates early (and SiLU and the residual sum in place) must not change the outputs by a bit, nor the gradients.</summary>
[Collection(TorchRngCollection.Name)] // seeds the global generator and flips a process-wide switch: runs alone, no other test beside it
public sealed class VqganMemoryTests
{
    [Fact]
    public void Encode_and_decode_give_the_same_bits_with_intermediates_freed_early_or_kept()
    {
        manual_seed(3);
        using var tokenizer = new VqganTokenizer(new VqganModel(VqganPresets.Tiny), maxBatchSize: 4);
        using var scope = NewDisposeScope();
        var images = rand(3, VqganPresets.Tiny.NumChannels, VqganPresets.Tiny.Resolution, VqganPresets.Tiny.Resolution);
        try
        {
            VqganMemory.FreeEarly = false;
            var keptCodes = tokenizer.Encode(images);
            var keptImages = tokenizer.Decode(keptCodes);
            VqganMemory.FreeEarly = true;
            var freedCodes = tokenizer.Encode(images);
            var freedImages = tokenizer.Decode(freedCodes);

            Assert.True(keptCodes.eq(freedCodes).all().item<bool>(), "codes differ");
            Assert.True(keptImages.eq(freedImages).all().item<bool>(), "decoded pixels differ");
        }
        finally
        {
            VqganMemory.FreeEarly = true;
        }
    }

    [Fact]
    public void Gradients_are_the_same_with_intermediates_freed_early_or_kept()
    {
        // One model and one input for both paths (other tests share the global generator), eval mode (no dropout
        // draws), autograd on: the path where SiLU may not run in place and disposed handles must not free
        // what backward needs.
        // One intra-op thread on this test's thread: OpenMP's thread count is per calling thread, and a conv backward
        // that splits its weight-gradient sums over however many threads the loaded machine grants rounds differently
        // from run to run (seen failing at 1e-5 only while the whole suite ran beside it).
        int threads = get_num_threads();
        set_num_threads(1);
        try
        {
            CompareGradients();
        }
        finally
        {
            set_num_threads(threads);
        }
    }

    private static void CompareGradients()
    {
        manual_seed(5);
        using var model = new VqganModel(VqganPresets.Tiny);
        model.eval();
        using var scope = NewDisposeScope();
        var images = rand(2, VqganPresets.Tiny.NumChannels, VqganPresets.Tiny.Resolution, VqganPresets.Tiny.Resolution);
        var grads = new List<Tensor[]>();
        try
        {
            foreach (var freeEarly in new[] { false, true })
            {
                VqganMemory.FreeEarly = freeEarly;
                model.zero_grad();
                var decoded = model.Decode(model.EncoderLatents(images));
                decoded.square().mean().backward();
                grads.Add(model.parameters().Where(p => p.grad is not null).Select(p => p.grad!.clone()).ToArray()); // the codebook gets none here
            }
        }
        finally
        {
            VqganMemory.FreeEarly = true;
        }
        Assert.Equal(grads[0].Length, grads[1].Length);
        Assert.True(grads[0].Length > 10, "the encoder and decoder weights get gradients");
        // The two paths sum in a different order (in place or not), so a gradient may differ by float rounding: relative to
        // its own largest element, not absolutely. A freed tensor read after its last use gives differences of the
        // gradient's own size (or NaN), far beyond this bound.
        for (int i = 0; i < grads[0].Length; i++)
        {
            var scale = grads[0][i].abs().max().item<float>();
            var difference = (grads[0][i] - grads[1][i]).abs().max().item<float>();
            Assert.True(difference <= 1e-5f * scale + 1e-12f, $"gradient {i} differs by {difference:E2} (its largest element {scale:E2})");
        }
    }
}
