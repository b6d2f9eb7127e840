using LvmCloud.Platform.Queues;

namespace LvmCloud.Worker.Jobs;

/// <summary>
/// The one place that decides whether a failed job is worth retrying. A <see cref="PermanentJobException"/>
/// anywhere in the exception's chain (a model that does not exist, a corrupt checkpoint, a payload that does not
/// validate) fails the job's work on its first delivery and moves it to poison; anything else (storage errors,
/// timeouts, a model that ran out of memory) is transient and keeps the retry policy.
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

    /// <summary>The error as one line for logs, item rows and the next delivery: type and message.</summary>
    public static string Describe(Exception error)
    {
        var root = error is AggregateException { InnerExceptions.Count: 1 } single ? single.InnerExceptions[0] : error;
        return $"{root.GetType().Name}: {root.Message}";
    }
}
