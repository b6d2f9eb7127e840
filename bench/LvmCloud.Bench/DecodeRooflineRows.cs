namespace LvmCloud.Bench;

/// <summary>
/// The decode-step and candidate rows of the table: measured times against the roofline of <see cref="DecodeRoofline"/>,
/// with the targets (batch-1 step ≤ 1.25× its bandwidth floor, 8-candidate step ≤ 1.5× the batch-1 step,
/// 64 new × 8 candidates ≥ 60 % of the roofline).
/// </summary>
public static class DecodeRooflineRows
{
    public static void Add(BenchTable table, GenerationBench generation, DecodeRoofline roofline, int promptLength, int newTokens, int repetitions)
    {
        double MeanFloor(int prompts, int candidates, bool shared) =>
            Enumerable.Range(0, newTokens - 1).Average(s => roofline.StepFloorSeconds(prompts, candidates, promptLength, s, shared));
        double Mb(double bytes) => bytes / 1e6;

        double step1 = generation.DecodeStepSeconds(1, 1, shared: true, repetitions);
        double floor1 = MeanFloor(1, 1, shared: true);
        table.Add("decode step, batch 1", step1 * 1e3, "ms",
            $"floor {floor1 * 1e3:0.00} ms ({Mb(roofline.WeightBytes):0} MB weights + {Mb(roofline.MeanStepBytes(1, 1, promptLength, newTokens, true) - roofline.WeightBytes):0.0} MB KV per step)");
        table.Add("decode step batch 1 / its bandwidth floor", step1 / floor1, "×", "target ≤ 1.25×");
        var (gemvSeconds, gemvBytes) = WeightStreaming.BatchOneSeconds(generation.Model);
        table.Add("weight matrices alone, one input row (linear per matrix)", gemvSeconds * 1e3, "ms",
            $"{gemvBytes / gemvSeconds / 1e9:0.0} GB/s of {roofline.BytesPerSecond / 1e9:0.0}; step / this = {step1 / gemvSeconds:0.00}× (engine overhead)");

        double step8 = generation.DecodeStepSeconds(1, 8, shared: true, repetitions);
        double step8Copied = generation.DecodeStepSeconds(1, 8, shared: false, repetitions);
        double step8Prompts = generation.DecodeStepSeconds(8, 1, shared: true, repetitions);
        table.Add("decode step, 1 prompt × 8 candidates, shared prompt cache", step8 * 1e3, "ms",
            $"floor {MeanFloor(1, 8, true) * 1e3:0.00} ms; / batch-1 step = {step8 / step1:0.00}× (target ≤ 1.5×)");
        table.Add("decode step, 1 prompt × 8 candidates, cache copied per row", step8Copied * 1e3, "ms",
            $"floor {MeanFloor(1, 8, false) * 1e3:0.00} ms; / batch-1 step = {step8Copied / step1:0.00}× (before)");
        table.Add("decode step, 8 prompts", step8Prompts * 1e3, "ms",
            $"floor {MeanFloor(8, 1, true) * 1e3:0.00} ms; / batch-1 step = {step8Prompts / step1:0.00}×");
        double sharedKv = roofline.MeanStepBytes(1, 8, promptLength, newTokens, true) - roofline.WeightBytes;
        double copiedKv = roofline.MeanStepBytes(1, 8, promptLength, newTokens, false) - roofline.WeightBytes;
        table.Add("KV bytes read per step, 8 candidates, shared", Mb(sharedKv), "MB",
            $"copied per row: {Mb(copiedKv):0.0} MB (−{100 * (1 - sharedKv / copiedKv):0} %); whole step −{100 * (copiedKv - sharedKv) / (copiedKv + roofline.WeightBytes):0} %");

        double floorCall = roofline.GenerationFloorSeconds(1, 8, promptLength, newTokens, shared: true);
        double call = generation.Seconds(1, 8, newTokens, shared: true, repetitions);
        double callCopied = generation.Seconds(1, 8, newTokens, shared: false, repetitions);
        table.Add($"{newTokens} new × 8 candidates, shared prompt cache", 8 * newTokens / call, "tokens/s",
            $"{100 * floorCall / call:0} % of roofline ({8 * newTokens / floorCall:0} tokens/s; target ≥ 60 %)");
        table.Add($"{newTokens} new × 8 candidates, cache copied per row", 8 * newTokens / callCopied, "tokens/s",
            $"{100 * roofline.GenerationFloorSeconds(1, 8, promptLength, newTokens, shared: false) / callCopied:0} % of its roofline; shared / copied = {callCopied / call:0.00}×");
    }
}
