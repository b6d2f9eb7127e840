using LvmCloud.Cli.Interaction;

namespace LvmCloud.Cli.Commands.Platform;

/// <summary>
/// The one "wait with a progress bar" loop of the platform commands (<c>batches wait</c>, <c>runs wait</c>,
/// <c>datasets tokenize --wait</c>): polls until the job is terminal or the deadline passes, advancing the bar by the
/// units done since the last poll and never backwards. Each poll is one status request, whatever the job's size.
/// </summary>
internal static class StatusPolling
{
    /// <summary>The deadline for <c>--timeout</c>: none when the option was not given.</summary>
    public static DateTimeOffset Deadline(TimeSpan? timeout) =>
        timeout is null ? DateTimeOffset.MaxValue : DateTimeOffset.UtcNow + timeout.Value;

    public static async Task<T> PollAsync<T>(
        IProgressReporter progress,
        T first,
        Func<CancellationToken, Task<T>> poll,
        Func<T, bool> isTerminal,
        Func<T, long> done,
        Func<T, string?> status,
        TimeSpan interval,
        DateTimeOffset deadline,
        CancellationToken cancellationToken)
    {
        var current = first;
        long reported = Math.Max(0, done(current));
        progress.Advance(reported, status(current));
        while (!isTerminal(current) && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(interval, cancellationToken);
            current = await poll(cancellationToken);
            long now = done(current);
            progress.Advance(Math.Max(0, now - reported), status(current));
            reported = Math.Max(reported, now);
        }
        return current;
    }
}
