namespace LvmCloud.Platform.Tests.Infrastructure;

/// <summary>The system clock moved by <see cref="Offset"/>: a SAS issued "an hour ago" is one that lapsed, with no waiting.</summary>
public sealed class ShiftedClock : TimeProvider
{
    public TimeSpan Offset { get; set; }

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
}
