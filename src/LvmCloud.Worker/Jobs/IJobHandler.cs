using LvmCloud.Platform.Queues;

namespace LvmCloud.Worker.Jobs;

/// <summary>
/// The work of one job kind. The <see cref="QueueConsumer"/> owns everything about the queue (receiving, the
/// visibility lease, retries, the poison move); a handler only does the work, idempotently (a job may be delivered
/// more than once), and says what happened in one line.
/// </summary>
public interface IJobHandler<TPayload> where TPayload : IJobPayload
{
    /// <summary>Does the job. Throw a <see cref="PermanentJobException"/> for what retrying cannot fix; any other exception is retried.</summary>
    Task<JobResult> HandleAsync(JobContext<TPayload> job);

    /// <summary>An attempt failed and the message will be delivered again (record the error where people look).</summary>
    Task OnAttemptFailedAsync(JobContext<TPayload> job, Exception error) => Task.CompletedTask;

    /// <summary>The job will not be tried again: fail its work with <paramref name="reason"/>. Runs before the message leaves the queue.</summary>
    Task OnPoisonAsync(JobContext<TPayload> job, string reason) => Task.CompletedTask;
}
