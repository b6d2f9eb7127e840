using LvmCloud.Core.Results;

namespace LvmCloud.Cli.Batches;

/// <summary>What a local batch run produced.</summary>
public sealed record LocalBatchSummary(IReadOnlyList<ResultRecord> Results, string ResultsPath, string GalleryPath, TimeSpan Elapsed)
{
    public int Succeeded => Results.Count(r => r.Status == ResultStatus.Succeeded);
    public int Failed => Results.Count(r => r.Status == ResultStatus.Failed);
    public int Cancelled => Results.Count(r => r.Status == ResultStatus.Cancelled);
}
