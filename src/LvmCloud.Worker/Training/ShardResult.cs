using LvmCloud.Vision.Training;

namespace LvmCloud.Worker.Training;

/// <summary>
/// <c>rounds/{r}/shards/{k}/result.json</c>: the commit of a shard job, written once its last checkpoint (the trained
/// weights and inner optimizer state) is in <c>checkpoint/</c>. The merge reads the weights it names; the next round's
/// job for the same shard reads its optimizer state, as DiLoCo's workers keep theirs.
/// </summary>
/// <param name="Checkpoint">The committed checkpoint holding the result (its <c>Folder</c> names the step folder).</param>
/// <param name="MeanLoss">Mean inner-step loss over the job's steps (across deliveries).</param>
public sealed record ShardResult(
    int Round,
    int Shard,
    int FromStep,
    int ToStep,
    TrainingState Checkpoint,
    double MeanLoss,
    double FinalLoss,
    long Tokens,
    int? ResumedFrom,
    int Deliveries,
    double InnerSeconds,
    double TransferSeconds,
    DateTimeOffset FinishedAt);
