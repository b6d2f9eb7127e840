namespace LvmCloud.Platform.State.Leases;

/// <summary>What a finish came to. Only <see cref="Written"/> and <see cref="WrittenBefore"/> mean the holder's finish stands.</summary>
public enum LeaseFinish
{
    /// <summary>This call wrote the finished row.</summary>
    Written,
    /// <summary>The same holder had finished it already (an earlier try whose reply was lost): nothing written again.</summary>
    WrittenBefore,
    /// <summary>Another holder finished it: this finish is refused.</summary>
    FinishedByOther,
    /// <summary>Another holder took the lease over: this finish is refused.</summary>
    Lost,
}
