namespace LvmCloud.Cli.Commands;

/// <summary>Bad arguments or input files: reported as one line on stderr with exit code 2.</summary>
public sealed class UserInputException(string message) : Exception(message);
