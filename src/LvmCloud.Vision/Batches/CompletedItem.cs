using LvmCloud.Vision.Pipelines;

namespace LvmCloud.Vision.Batches;

/// <summary>What the model made of one loaded item: its output, or why there is none (it did not fit in memory alone).</summary>
public sealed record CompletedItem(CompletionOutput? Output, string? Error);
