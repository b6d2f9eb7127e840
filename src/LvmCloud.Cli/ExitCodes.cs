namespace LvmCloud.Cli;

/// <summary>The exit codes of the <c>lvm</c> command.</summary>
public static class ExitCodes
{
    public const int Success = 0;
    /// <summary>The command ran, but some items of a batch failed (their reasons are in the results).</summary>
    public const int SomeItemsFailed = 1;
    /// <summary>Bad arguments or bad input files.</summary>
    public const int InvalidInput = 2;
    /// <summary>An unexpected failure while running.</summary>
    public const int Failure = 3;
    /// <summary>The model (or the rows asked for) does not fit in the memory this process may use; nothing was loaded.</summary>
    public const int ModelDoesNotFit = 4;
    /// <summary>Cancelled by the user (Ctrl+C).</summary>
    public const int Cancelled = 130;
}
