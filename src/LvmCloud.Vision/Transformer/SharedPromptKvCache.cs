using static TorchSharp.torch;

namespace LvmCloud.Vision.Transformer;

/// <summary>
/// The KV cache of several candidates per prompt: each prompt's keys and values are stored once, (P, KV, L, d), and
/// each candidate's new tokens in its own rows, (P × C, KV, N, d), rows prompt-major. A decode step's queries attend to
/// both parts under one softmax, so a step reads P·L + R·s cached positions instead of R·(L + s) (vLLM shares a
/// prompt's blocks across parallel samples in the same way). Serves decode steps of one new token per row; the prompt
/// is prefilled into a plain <see cref="KvCache"/> first and handed over.
/// </summary>
public sealed class SharedPromptKvCache : IAttentionCache
{
    private readonly KvCache prompt;
    private readonly KvCache candidates;
    private readonly Tensor? promptMask;
    private readonly int promptLength;
    private bool disposed;

    /// <param name="prompt">The prefilled prompts, P rows, each slot [0, <paramref name="promptLength"/>) written; owned by this cache once it is built.</param>
    /// <param name="promptLength">Slots of <paramref name="prompt"/> that hold the (left-padded) prompts.</param>
    /// <param name="candidatesPerPrompt">C: rows per prompt.</param>
    /// <param name="newTokens">Decode positions to keep per candidate.</param>
    /// <param name="promptKeyMask">(P, L): 1 on real prompt tokens, 0 on left padding; null when no prompt is padded.</param>
    public SharedPromptKvCache(KvCache prompt, int promptLength, int candidatesPerPrompt, int newTokens, Tensor? promptKeyMask)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        if (promptLength <= 0 || promptLength > prompt.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(promptLength), promptLength, $"The prompt cache holds up to {prompt.MaxLength} slots.");
        if (candidatesPerPrompt <= 0)
            throw new ArgumentOutOfRangeException(nameof(candidatesPerPrompt), candidatesPerPrompt, "Need at least one candidate per prompt.");
        if (newTokens <= 0)
            throw new ArgumentOutOfRangeException(nameof(newTokens), newTokens, "Need at least one new token per candidate.");
        if (promptKeyMask is not null && (promptKeyMask.dim() != 2 || promptKeyMask.shape[0] != prompt.Batch || promptKeyMask.shape[1] != promptLength))
            throw new ArgumentException(
                $"promptKeyMask must be (prompts {prompt.Batch}, prompt length {promptLength}), got [{string.Join(", ", promptKeyMask.shape)}].", nameof(promptKeyMask));

        candidates = new KvCache(prompt.Layers, prompt.Batch * candidatesPerPrompt, newTokens, prompt.KvHeads, prompt.HeadDim, prompt.DType, prompt.Device);
        if (promptKeyMask is not null)
        {
            using var scope = NewDisposeScope();
            var blocked = promptKeyMask.to(prompt.Device).eq(0).view(prompt.Batch, 1, 1, promptLength); // (P, 1, 1, L)
            promptMask = zeros(blocked.shape, dtype: ScalarType.Float32, device: prompt.Device)
                .masked_fill(blocked, LlamaMasks.MinValue(ScalarType.Float32)).DetachFromDisposeScope();
        }
        this.prompt = prompt;
        this.promptLength = promptLength;
        Prompts = prompt.Batch;
        CandidatesPerPrompt = candidatesPerPrompt;
    }

    public int Prompts { get; }
    public int CandidatesPerPrompt { get; }
    public int Batch => candidates.Batch;

    /// <summary>Cached positions one decode step at candidate slot <paramref name="startPos"/> reads, per layer and KV head.</summary>
    public long PositionsRead(int startPos) => (long)Prompts * promptLength + (long)Batch * (startPos + 1);

    /// <summary>
    /// Queries (R, H, 1, d) of candidate slot <paramref name="startPos"/> over their prompt's keys and their own
    /// keys [0, startPos]; <paramref name="mask"/> must be the empty one-token mask (the prompt padding is this cache's).
    /// </summary>
    public Tensor Attend(int layer, int startPos, Tensor q, Tensor k, Tensor v, AttentionMask mask)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (q.shape[2] != 1)
            throw new ArgumentException($"A shared-prompt cache serves decode steps of one token per row, got {q.shape[2]} tokens.", nameof(q));
        if (mask.Additive is not null || mask.IsCausal)
            throw new ArgumentException("A shared-prompt cache applies its own prompt mask; pass no attention mask.", nameof(mask));
        using var scope = NewDisposeScope();
        long p = Prompts, c = CandidatesPerPrompt, r = Batch, heads = q.shape[1], kv = prompt.KvHeads, g = heads / kv, d = prompt.HeadDim;
        long l = promptLength, s = startPos + 1;
        var (ownKeys, ownValues) = candidates.Append(layer, startPos, k, v);            // (R, KV, s, d)
        var (promptKeys, promptValues) = prompt.Stored(layer, promptLength);             // (P, KV, L, d)

        // Query head h = kv·G + j reads KV head kv. Against the prompt, a prompt's C·G queries of one KV head form one
        // matrix, so each prompt key is read once for all of its candidates.
        var byPrompt = q.reshape(p, c, kv, g, d).permute(0, 2, 1, 3, 4).reshape(p, kv, c * g, d); // (P, KV, C·G, d)
        var promptScores = Float32(byPrompt.matmul(promptKeys.transpose(2, 3)));                // (P, KV, C·G, L)
        if (promptMask is not null) promptScores = promptScores + promptMask;
        promptScores = promptScores.reshape(p, kv, c, g, l).permute(0, 2, 1, 3, 4).reshape(r, kv, g, l); // (R, KV, G, L)
        var ownScores = Float32(q.reshape(r, kv, g, d).matmul(ownKeys.transpose(2, 3)));       // (R, KV, G, s)

        // One softmax over prompt and own keys, in float32 as the reference keeps it.
        var weights = (cat([promptScores, ownScores], -1) * (1.0 / Math.Sqrt(d))).softmax(-1);  // (R, KV, G, L+s)
        if (weights.dtype != q.dtype) weights = weights.to(q.dtype);
        var promptWeights = weights.narrow(-1, 0, l).reshape(p, c, kv, g, l).permute(0, 2, 1, 3, 4).reshape(p, kv, c * g, l);
        var fromPrompt = promptWeights.matmul(promptValues)                                 // (P, KV, C·G, d)
            .reshape(p, kv, c, g, d).permute(0, 2, 1, 3, 4).reshape(r, kv, g, d);             // (R, KV, G, d)
        var fromOwn = weights.narrow(-1, l, s).matmul(ownValues);                           // (R, KV, G, d)
        return (fromPrompt + fromOwn).reshape(r, heads, 1, d).MoveToOuterDisposeScope();       // (R, H, 1, d)
    }

    private static Tensor Float32(Tensor scores) => scores.dtype == ScalarType.Float32 ? scores : scores.to(ScalarType.Float32);

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        prompt.Dispose();
        candidates.Dispose();
        promptMask?.Dispose();
    }
}
