using LvmCloud.Vision.Pipelines;
using LvmCloud.Vision.Tokenizer;
using LvmCloud.Vision.Transformer;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Pipelines;

/// <summary>A real, randomly initialised LVM small enough for tests: Tiny VQGAN (16 px, 64 tokens, 64 codes) + a 2-layer transformer.</summary>
internal static class TinyLvm
{
    /// <summary>Vocabulary larger than the codebook (like LVM's 8192 + 100 specials), to test that only codes are sampled.</summary>
    public const int Vocab = 80;

    public static LvmModel Create(int contextFrames = 4, int seed = 0)
    {
        var generator = manual_seed(seed);
        var tokenizer = new VqganTokenizer(new VqganModel(VqganPresets.Tiny));
        var transformer = new LlamaForCausalLM(new LlamaConfig(Vocab, 32, 64, 2, 4, 2, MaxPositionEmbeddings: contextFrames * 64));
        // Sharpen the head so greedy and sampled continuations depend on the prompt.
        using (no_grad())
            foreach (var (name, p) in transformer.named_parameters())
                if (name == "lm_head.weight") p.mul_(8);
        transformer.eval();
        return new LvmModel(tokenizer, transformer, new LvmModelSettings(contextFrames, "tiny-test", "1"));
    }
}
