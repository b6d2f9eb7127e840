using LvmCloud.Vision.Transformer;
using static TorchSharp.torch;

namespace LvmCloud.Bench;

/// <summary>
/// The baseline without a KV cache: every step runs the whole sequence so far through the model and keeps the
/// argmax of the last position. Only the last position goes through the vocabulary head.
/// </summary>
public static class FullRecompute
{
    /// <summary>New tokens (B, N) for equal-length prompts (B, L).</summary>
    public static Tensor GreedyGenerate(LlamaForCausalLM model, Tensor prompts, int newTokens)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var sequence = prompts.alias();                                                    // (B, L)
        for (int step = 0; step < newTokens; step++)
        {
            using var stepScope = NewDisposeScope();
            var hidden = model.HiddenStates(sequence);                                    // (B, T, D)
            var next = model.Logits(hidden.select(1, sequence.shape[1] - 1)).argmax(-1);  // (B)
            var previous = sequence;
            sequence = cat([sequence, next.unsqueeze(1)], 1).MoveToOuterDisposeScope();  // (B, T+1)
            previous.Dispose();
        }
        return sequence.narrow(1, prompts.shape[1], newTokens).MoveToOuterDisposeScope();
    }
}
