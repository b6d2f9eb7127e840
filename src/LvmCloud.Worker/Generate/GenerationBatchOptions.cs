using System.ComponentModel.DataAnnotations;

namespace LvmCloud.Worker.Generate;

/// <summary>
/// How the <c>generate</c> handler fills generation batches across messages (<see cref="GenerationBatcher"/>): items
/// of concurrent messages for the same model run as one batch of up to <see cref="BatchRows"/> rows (a row is one
/// candidate of one item). Messages come in together when <c>Worker:ReceiveBatch</c> (or
/// <c>Worker:PerQueue:generate:ReceiveBatch</c>) or <c>Worker:Concurrency</c> lets a worker hold several.
/// </summary>
public sealed record GenerationBatchOptions
{
    public const string Section = "Worker:Generate";

    /// <summary>
    /// Rows (items × candidates) one generation batch gathers at most. 16 suits a CPU, where rows beyond that add time
    /// almost linearly; on a GPU use 64 or more (as many as memory holds: the device's time per step barely grows
    /// with the rows). A message with more rows than this runs alone. 1 turns gathering off.
    /// </summary>
    [Range(1, 4096)]
    public int BatchRows { get; init; } = 16;

    /// <summary>
    /// How long the first message of a batch waits at most for more to join while other messages for the same model
    /// are still on their way (claimed, loading images). Nothing waits when no other message is on its way, and a
    /// batch that is full runs at once.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:10")]
    public TimeSpan GatherWindow { get; init; } = TimeSpan.FromMilliseconds(100);
}
