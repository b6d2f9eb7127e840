namespace LvmCloud.Platform.State.Leases;

/// <summary>Where a holder stands with a row it claimed.</summary>
public enum LeaseStanding
{
    /// <summary>The row is still held by this holder.</summary>
    Held,
    /// <summary>The row is finished, by this holder (an earlier try whose reply was lost, or this one).</summary>
    FinishedByHolder,
    /// <summary>The row is finished by another holder.</summary>
    FinishedByOther,
    /// <summary>Another holder took the row over (or the lease was released): this holder must stop.</summary>
    Lost,
}
