using LvmCloud.Vision.Training;

namespace LvmCloud.Worker.Training;

/// <summary>
/// <c>rounds/{r}/shards/{k}/result.json</c>: the commit of a shard job, written once its last checkpoint (the trained
/// weights and inner optimizer state) is in <c>checkpoint/</c>, and its compressed outer gradient when the run compresses.
/// The merge reads the weights it names (or that delta); the next round's
/// job for the same shard reads its optimizer state, as DiLoCo's workers keep theirs.
/// </summary>
/// <param name="Checkpoint">The committed checkpoint holding the result (its <c>Folder</c> names the step folder).</param>
/// <param name="MeanLoss">Mean inner-step loss over the job's steps (across deliveries).</param>
/// <param name="Delta">
/// With <c>outer.compression</c> on: the name of the compressed outer gradient in the shard's folder
/// (<see cref="ShardDeltaFiles"/>), which the merge reads instead of the weights; null when lossless (and in results
/// written before compression existed).
/// </param>
/// <param name="DeltaBytes">The delta file's size in bytes (null without one).</param>
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
    DateTimeOffset FinishedAt,
    string? Delta = null,
    long? DeltaBytes = null);
