namespace LvmCloud.Platform.Queues;

/// <summary>
/// The payload record of one job kind. <see cref="Kind"/> names the kind (and its queue); <see cref="Validate"/>
/// lists what is wrong with a decoded payload (empty when it can be worked on), <see cref="Describe"/> says in a few
/// words what the job is about, for log lines.
/// </summary>
public interface IJobPayload
{
    static abstract string Kind { get; }

    IEnumerable<string> Validate();

    string Describe();
}
