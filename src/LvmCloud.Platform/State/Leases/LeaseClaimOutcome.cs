namespace LvmCloud.Platform.State.Leases;

/// <summary>What a claim came to.</summary>
public enum LeaseClaimOutcome
{
    /// <summary>The row is now held by the claimant (fresh, taken over after it lapsed, or renewed by the same holder).</summary>
    Claimed,
    /// <summary>Another holder's lease is live: see <see cref="LeaseClaim{T}.HeldUntil"/>.</summary>
    HeldElsewhere,
    /// <summary>The row is not in a state the caller may claim it from (done already, not ready yet).</summary>
    NotClaimable,
    /// <summary>There is no such row.</summary>
    Missing,
    /// <summary>Other writers kept changing the row; look again later.</summary>
    Contended,
}
