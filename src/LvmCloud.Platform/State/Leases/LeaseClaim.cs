namespace LvmCloud.Platform.State.Leases;

/// <summary>The answer to a claim: its outcome, the row as last read or written, and until when another holder has it.</summary>
/// <param name="Row">The row as written when claimed (its ETag fresh), else as last read; null when missing.</param>
/// <param name="TookOver">The claim replaced another holder's lapsed or released lease.</param>
public sealed record LeaseClaim<T>(LeaseClaimOutcome Outcome, T? Row, DateTimeOffset? HeldUntil = null, bool TookOver = false)
    where T : class, IStatefulEntity
{
    public bool Claimed => Outcome == LeaseClaimOutcome.Claimed;
}
