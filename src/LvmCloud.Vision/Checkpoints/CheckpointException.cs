namespace LvmCloud.Vision.Checkpoints;

/// <summary>A checkpoint that does not fit the model: every problem is listed by tensor name.</summary>
public sealed class CheckpointException(string message, IReadOnlyList<string> problems) : Exception(message)
{
    /// <summary>One line per missing, unexpected or misshapen tensor.</summary>
    public IReadOnlyList<string> Problems { get; } = problems;
}
