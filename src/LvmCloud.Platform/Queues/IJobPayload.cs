namespace LvmCloud.Platform.Queues;

/// <summary>
/// The payload record of one job kind. <see cref="Kind"/> names the kind (and its queue); <see cref="Validate"/>
/// lists what is wrong with a decoded payload (empty when it can be worked on), <see cref="Describe"/> says in a few
/// words what the job is about, for log lines, and <see cref="SpanTags"/> names it on the worker's trace span.
/// </summary>
public interface IJobPayload
{
    static abstract string Kind { get; }

    IEnumerable<string> Validate();

    string Describe();

    /// <summary>
    /// The tags the worker's span of this job carries besides the queue's and the envelope's (OpenTelemetry attribute
    /// names under <c>lvm.</c>): the ids a trace search needs to find the job's work. A method, so it is never part of
    /// the message's JSON.
    /// </summary>
    IEnumerable<KeyValuePair<string, object?>> SpanTags();
}
