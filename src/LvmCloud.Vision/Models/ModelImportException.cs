namespace LvmCloud.Vision.Models;

/// <summary>The two folders do not make a model: every problem is listed (file, tensor, expected vs found); nothing was written.</summary>
public sealed class ModelImportException(string message, IReadOnlyList<string> problems) : Exception(message)
{
    /// <summary>One line per problem.</summary>
    public IReadOnlyList<string> Problems { get; } = problems;
}
