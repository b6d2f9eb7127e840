using LvmCloud.Vision.Transformer;

namespace LvmCloud.Bench;

/// <summary>
/// What one generation must at least cost on this machine: the prefill's FLOPs at the measured matmul rate, and per
/// decode step the larger of its weight + KV-cache bytes at the measured read bandwidth and its FLOPs at the matmul
/// rate. Bytes count what the engine actually reads: every weight matrix once per step (the embedding lookup reads one
/// row per token and is not counted, unless the head is tied to it), and the cached keys and values each row attends to
/// (a prompt once per step for all of its candidates when they share its cache).
/// </summary>
public sealed class DecodeRoofline(LlamaConfig config, double bytesPerSecond, double flopsPerSecond, int bytesPerValue = sizeof(float))
{
    public double BytesPerSecond => bytesPerSecond;

    /// <summary>Weights read by one decode step (all matrices, the untied head included, the norms).</summary>
    public double WeightBytes => (config.ParameterCount - (config.TieWordEmbeddings ? 0 : (double)config.VocabSize * config.HiddenSize)) * bytesPerValue;

    /// <summary>Bytes of keys and values of one cached position in all layers.</summary>
    public double KvBytesPerPosition => 2.0 * config.NumHiddenLayers * config.NumKeyValueHeads * config.HeadDim * bytesPerValue;

    /// <summary>Cached positions decode step <paramref name="step"/> (0-based: the one whose input is new token step) attends to.</summary>
    public static double PositionsRead(int prompts, int candidates, int promptLength, int step, bool shared) =>
        shared
            ? (double)prompts * promptLength + (double)prompts * candidates * (step + 1)
            : (double)prompts * candidates * (promptLength + step + 1);

    /// <summary>Bytes decode step <paramref name="step"/> reads.</summary>
    public double StepBytes(int prompts, int candidates, int promptLength, int step, bool shared) =>
        WeightBytes + KvBytesPerPosition * PositionsRead(prompts, candidates, promptLength, step, shared);

    /// <summary>Mean bytes per decode step over the N − 1 steps of an N-token generation.</summary>
    public double MeanStepBytes(int prompts, int candidates, int promptLength, int newTokens, bool shared) =>
        Enumerable.Range(0, newTokens - 1).Average(s => StepBytes(prompts, candidates, promptLength, s, shared));

    /// <summary>Seconds decode step <paramref name="step"/> takes at best: bytes at the bandwidth or FLOPs at the matmul rate.</summary>
    public double StepFloorSeconds(int prompts, int candidates, int promptLength, int step, bool shared)
    {
        double rows = (double)prompts * candidates;
        double flops = 2 * (WeightBytes / bytesPerValue) * rows
                       + 4.0 * config.NumHiddenLayers * config.NumAttentionHeads * config.HeadDim * rows * (promptLength + step + 1);
        return Math.Max(StepBytes(prompts, candidates, promptLength, step, shared) / bytesPerSecond, flops / flopsPerSecond);
    }

    /// <summary>
    /// FLOPs of the engine's prefill: 2 per matrix weight per prompt token except the head, which runs on the last
    /// position only, plus causal attention (2·T²·D per layer per prompt).
    /// </summary>
    public double PrefillFlops(int prompts, int promptLength)
    {
        double head = (double)config.VocabSize * config.HiddenSize;
        double body = WeightBytes / bytesPerValue - (config.TieWordEmbeddings ? 0 : head);
        double attention = (double)prompts * config.NumHiddenLayers * 2.0 * promptLength * promptLength * config.HiddenSize;
        return 2 * body * prompts * promptLength + 2 * head * prompts + attention;
    }

    /// <summary>Seconds a whole generation (prefill, then N − 1 decode steps) takes at best.</summary>
    public double GenerationFloorSeconds(int prompts, int candidates, int promptLength, int newTokens, bool shared) =>
        PrefillFlops(prompts, promptLength) / flopsPerSecond
        + Enumerable.Range(0, newTokens - 1).Sum(s => StepFloorSeconds(prompts, candidates, promptLength, s, shared));
}
