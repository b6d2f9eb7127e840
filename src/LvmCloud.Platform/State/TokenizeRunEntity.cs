using System.Runtime.Serialization;
using Azure;
using LvmCloud.Platform.State.Leases;

namespace LvmCloud.Platform.State;

/// <summary>
/// One retokenization run of a (dataset, tokenizer): the chunks it queued and how many are in. Every chunk's end is
/// written in one entity-group transaction with these counts, so they are exact under racing workers and
/// redeliveries, and closing the run never needs to read its chunks to know it is done.
/// </summary>
public sealed class TokenizeRunEntity : IStatefulEntity
{
    /// <summary>The finalizer's lease while it closes the run (<c>finalizing</c>): index.json and the watermark move once.</summary>
    public static readonly LeaseColumns<TokenizeRunEntity> FinalizeLease =
        new("finalization", TokenizeStates.Finalizing, r => r.FinalizeClaimId, (r, v) => r.FinalizeClaimId = v, r => r.FinalizeClaimedAt, (r, v) => r.FinalizeClaimedAt = v, TokenizeRunLifecycle.Table);

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string RunId { get; set; } = "";
    public string State { get; set; } = TokenizeStates.Planning;
    /// <summary>What started it: <c>timer</c>, <c>upload</c> or <c>api</c>.</summary>
    public string Trigger { get; set; } = "";
    public bool Force { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? QueuedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public string? Outcome { get; set; }

    /// <summary>The dataset's listing fingerprint the plan was made from (becomes the watermark when every chunk succeeds).</summary>
    public string SourceFingerprint { get; set; } = "";
    public string? SentencesETag { get; set; }
    public int ChunkSize { get; set; }
    /// <summary>Chunks of the whole dataset at planning time: the index lists shards 0 .. ChunkCount-1.</summary>
    public int ChunkCount { get; set; }

    public int ChunksTotal { get; set; }
    public int ChunksSucceeded { get; set; }
    public int ChunksFailed { get; set; }
    public int ChunksSuperseded { get; set; }

    public DateTimeOffset? FinalizeClaimedAt { get; set; }
    /// <summary>Identifies the current finalization claim (also stamped on the <c>index.json</c> it writes).</summary>
    public string? FinalizeClaimId { get; set; }

    [IgnoreDataMember]
    public int ChunksDone => ChunksSucceeded + ChunksFailed + ChunksSuperseded;

    /// <summary>Every chunk is in (and the plan is recorded): the run can be closed.</summary>
    [IgnoreDataMember]
    public bool AllChunksDone => ChunksDone >= ChunksTotal && State is not TokenizeStates.Planning;

    /// <summary>Counts one chunk's end (<paramref name="state"/> is a terminal chunk state).</summary>
    public void CountChunk(string state)
    {
        switch (state)
        {
            case TokenizeStates.Succeeded: ChunksSucceeded++; break;
            case TokenizeStates.Failed: ChunksFailed++; break;
            case TokenizeStates.Superseded: ChunksSuperseded++; break;
            default: throw new ArgumentException($"'{state}' is not a terminal chunk state.", nameof(state));
        }
    }

    public string OutcomeFromCounts() =>
        ChunksSucceeded == ChunksTotal ? TokenizeStates.OutcomeSucceeded
        : ChunksSucceeded == 0 ? TokenizeStates.OutcomeFailed
        : TokenizeStates.OutcomePartial;
}
