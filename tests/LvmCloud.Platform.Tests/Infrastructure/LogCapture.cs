using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace LvmCloud.Platform.Tests.Infrastructure;

/// <summary>Keeps the formatted log lines (Information and up) of a host, to check what a person reading its console sees.</summary>
public sealed class LogCapture : ILoggerProvider
{
    public ConcurrentQueue<(LogLevel Level, string Category, string Message)> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() { }

    public IReadOnlyList<string> Messages(string categoryPrefix) =>
        Lines.Where(l => l.Category.StartsWith(categoryPrefix, StringComparison.Ordinal)).Select(l => l.Message).ToList();

    private sealed class Logger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
                owner.Lines.Enqueue((logLevel, category, formatter(state, exception)));
        }
    }
}
