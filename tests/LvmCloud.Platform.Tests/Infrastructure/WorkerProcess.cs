using System.Collections.Concurrent;
using System.Diagnostics;

namespace LvmCloud.Platform.Tests.Infrastructure;

/// <summary>
/// The built worker (<c>src/LvmCloud.Worker/bin/{Configuration}/net10.0/LvmCloud.Worker.dll</c>, the configuration this
/// test run was built in) as a real child process with the test's storage settings in its environment, its output kept
/// line by line. <see cref="Kill"/> is SIGKILL: no shutdown code runs.
/// </summary>
internal sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;

    private WorkerProcess(Process process) => _process = process;

    public ConcurrentQueue<string> Lines { get; } = new();

    public bool HasExited => _process.HasExited;

    public string Output => string.Join('\n', Lines);

    public static WorkerProcess Start(IReadOnlyDictionary<string, string?> settings)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var bin = Path.Combine(RepoRoot.Find(), "src", "LvmCloud.Worker", "bin", configuration, "net10.0");
        var dll = Path.Combine(bin, "LvmCloud.Worker.dll");
        if (!File.Exists(dll))
            throw new FileNotFoundException($"The worker is not built at {dll} (the solution build makes it).");
        var start = new ProcessStartInfo("dotnet", [dll])
        {
            WorkingDirectory = bin, // its appsettings.json
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (key, value) in settings)
            start.Environment[key.Replace(":", "__")] = value;
        var process = Process.Start(start) ?? throw new InvalidOperationException("The worker did not start.");
        var worker = new WorkerProcess(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) worker.Lines.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) worker.Lines.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    /// <summary>Waits until a line matches, failing with the output when the process exits or time runs out first.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (Lines.FirstOrDefault(match) is { } line)
                return line;
            if (_process.HasExited)
                throw new InvalidOperationException($"The worker exited ({_process.ExitCode}) first:\n{Output}");
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"No such line in {timeout}:\n{Output}");
            await Task.Delay(10);
        }
    }

    /// <summary>SIGKILL, and wait for it to be gone.</summary>
    public void Kill()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    /// <summary>SIGTERM (what a scale-in sends), then wait for the process to exit.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (_process.HasExited)
            return;
        using (var kill = Process.Start("kill", ["-TERM", $"{_process.Id}"]))
            await kill!.WaitForExitAsync();
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            Kill();
        _process.WaitForExit(); // and its output read to the end
        _process.Dispose();
    }
}
