using LvmCloud.Core.Results;

namespace LvmCloud.Vision.Batches;

/// <summary>What the runner made of one item: its result record (as written to <c>result.json</c>) and figures for metrics.</summary>
/// <param name="Record">The item's line of <c>results.jsonl</c>: outputs and contact sheet relative to the batch's output root.</param>
/// <param name="TokensGenerated">Visual tokens sampled for the item.</param>
/// <param name="ModelMs">Time in the model (tokenize, generate, decode), shared out over the items that ran together.</param>
public sealed record ItemRun(ResultRecord Record, long TokensGenerated, double ModelMs)
{
    public string ItemId => Record.Id;
}
