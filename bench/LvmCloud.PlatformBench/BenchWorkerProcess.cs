using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace LvmCloud.PlatformBench;

/// <summary>
/// The built worker (<c>src/LvmCloud.Worker/bin/{Configuration}/net10.0/LvmCloud.Worker.dll</c>, the configuration the
/// benchmark was built in) as a child process with its settings in its environment, its output kept line by line.
/// </summary>
internal sealed class BenchWorkerProcess : IDisposable
{
    private readonly Process _process;
    private int _jobsStarted, _jobsFinished, _redeliveries;

    private BenchWorkerProcess(Process process) => _process = process;

    public ConcurrentQueue<string> Lines { get; } = new();
    public int Pid => _process.Id;
    public int JobsFinished => Volatile.Read(ref _jobsFinished);

    /// <summary>Deliveries the worker logged ("started", first or again): each is a receive that found a message.</summary>
    public int JobsStarted => Volatile.Read(ref _jobsStarted);

    /// <summary>Deliveries the worker logged as a second or later one ("started again").</summary>
    public int Redeliveries => Volatile.Read(ref _redeliveries);

    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    public static BenchWorkerProcess Start(string repoRoot, IReadOnlyDictionary<string, string?> settings)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var bin = Path.Combine(repoRoot, "src", "LvmCloud.Worker", "bin", configuration, "net10.0");
        var dll = Path.Combine(bin, "LvmCloud.Worker.dll");
        if (!File.Exists(dll))
            throw new FileNotFoundException($"The worker is not built at {dll} (building the benchmark builds it).");
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
        var worker = new BenchWorkerProcess(process);
        process.OutputDataReceived += (_, e) => worker.Add(e.Data);
        process.ErrorDataReceived += (_, e) => worker.Add(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    /// <summary>Resident memory (<c>VmRSS</c> in <c>/proc/{pid}/status</c>), KiB.</summary>
    public long RssKiB()
    {
        var line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }

    public async Task WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Lines.Any(match))
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"The worker exited ({_process.ExitCode}) first:\n{string.Join('\n', Lines)}");
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"No such line in {timeout}:\n{string.Join('\n', Lines)}");
            await Task.Delay(50);
        }
    }

    /// <summary>SIGTERM (what a scale-in sends), then wait for the process to exit.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (_process.HasExited)
            return;
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
            await kill!.WaitForExitAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill();
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill();
        _process.WaitForExit();
        _process.Dispose();
    }

    private void Add(string? line)
    {
        if (line is null)
            return;
        Lines.Enqueue(line);
        if (line.Contains(") finished in ", StringComparison.Ordinal))
            Interlocked.Increment(ref _jobsFinished);
        if (line.Contains(") started", StringComparison.Ordinal))
            Interlocked.Increment(ref _jobsStarted);
        if (line.Contains(") started again", StringComparison.Ordinal))
            Interlocked.Increment(ref _redeliveries);
    }
}
