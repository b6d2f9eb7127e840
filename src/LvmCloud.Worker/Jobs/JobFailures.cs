using LvmCloud.Platform.Queues;

namespace LvmCloud.Worker.Jobs;

/// <summary>
/// The one place that decides whether a failed job is worth retrying. A <see cref="PermanentJobException"/>
/// anywhere in the exception's chain (a model that does not exist, a corrupt checkpoint, token shards that cannot be
/// read) fails the job's work on its first delivery and its message is deleted: the reason is on the job's row, and
/// delivering it again cannot help. Anything else (storage errors, timeouts, a model that ran out of memory) is
/// transient and keeps the retry policy; a job that fails on its last allowed delivery is failed the same way and its
/// message moved to the <c>-poison</c> queue, where an operator can send it again once the cause is fixed. A message
/// that cannot be read at all goes to the poison queue as it is. (The rule in docs/platform.md, "When a job fails".)
/// </summary>
public static class JobFailures
{
    public static bool IsPermanent(Exception error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            if (e is PermanentJobException)
                return true;
            if (e is AggregateException aggregate)
                return aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(IsPermanent);
        }
        return false;
    }

    /// <summary>The error as one line for logs and the next delivery's envelope (operators): type and message.</summary>
    public static string Describe(Exception error)
    {
        var root = Root(error);
        return $"{root.GetType().Name}: {root.Message}";
    }

    /// <summary>
    /// The error in the user's terms, for the item, chunk and shard rows the status shows: its message alone (no .NET
    /// type name), without a trailing period, so that it can end a sentence of its own.
    /// </summary>
    public static string ForUser(Exception error) => Clause(Root(error).Message);

    private static Exception Root(Exception error) =>
        error is AggregateException { InnerExceptions.Count: 1 } single ? single.InnerExceptions[0] : error;

    /// <summary>A message made fit to be followed by a period or a semicolon (no "..").</summary>
    public static string Clause(string message) => Core.Text.JsonErrorText.Clause(message);

    /// <summary>The reason a job's work fails with when it will not be tried again (recorded on its row).</summary>
    public static string FinalReason(Exception error, long delivery) =>
        IsPermanent(error) ? $"Permanent error, not retried: {ForUser(error)}" : $"Failed {delivery} times. Last error: {ForUser(error)}";
}
