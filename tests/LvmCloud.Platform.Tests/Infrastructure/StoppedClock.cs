namespace LvmCloud.Platform.Tests.Infrastructure;

/// <summary>
/// A clock that stands still: no time passes between two readings and its timers never fire. Code given it can only
/// go on when something other than time moves it, so a test proves "it did not wait" without measuring how long it took.
/// </summary>
public sealed class StoppedClock : TimeProvider
{
    private static readonly DateTimeOffset Now = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => Now;

    public override long GetTimestamp() => 0;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => new NeverTimer();

    private sealed class NeverTimer : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => true;

        public void Dispose() { }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
