using Microsoft.Extensions.Logging;

namespace LvmCloud.Platform.Tests.Infrastructure;

/// <summary>
/// Appends every log entry of the test hosts to the file named by <c>LVM_TEST_LOG</c>, when set (the test runner
/// swallows console output of tests that hang or time out, a file keeps it).
/// </summary>
internal sealed class FileLog(string path) : ILoggerProvider
{
    private static readonly Lock Gate = new();

    public static string? Path => Environment.GetEnvironmentVariable("LVM_TEST_LOG");

    public ILogger CreateLogger(string categoryName) => new Logger(path, categoryName);

    public void Dispose() { }

    private sealed class Logger(string path, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel) || category.StartsWith("Azure", StringComparison.Ordinal))
                return;
            var line = $"{DateTime.Now:HH:mm:ss.fff} {logLevel,-11} {category}: {formatter(state, exception)}{(exception is null ? "" : "\n" + exception)}\n";
            lock (Gate)
                File.AppendAllText(path, line);
        }
    }
}
