using System.Diagnostics;
using System.Text;
using LvmCloud.Local;

namespace LvmCloud.Platform.Tests.Infrastructure;

/// <summary>
/// <c>local/run-stack.sh</c> started as <see cref="LocalStackTests"/> starts it: its own free ports and Azurite
/// folder, no build (<c>LVM_NO_BUILD=1</c>, the test run's build configuration), the local API host
/// (<c>LVM_NO_FUNC=1</c>); its output collected. Disposing sends SIGTERM, as a supervisor would, and waits for the
/// script to stop what it started.
/// </summary>
public sealed class RunStackProcess : IDisposable
{
    private readonly Process _stack;
    private readonly StringBuilder _output = new();

    private RunStackProcess(Process stack, int apiPort, string storageConnectionString)
    {
        _stack = stack;
        ApiPort = apiPort;
        StorageConnectionString = storageConnectionString;
        _stack.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _stack.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _stack.BeginOutputReadLine();
        _stack.BeginErrorReadLine();
    }

    /// <summary>The port of the stack's HTTP API.</summary>
    public int ApiPort { get; }

    /// <summary>The connection string of the stack's Azurite (its own blob, queue and table ports).</summary>
    public string StorageConnectionString { get; }

    /// <summary>The script's process id: what it started runs below it.</summary>
    public int ProcessId => _stack.Id;

    /// <summary>The script's output so far (stdout and stderr, as they came).</summary>
    public string Log { get { lock (_output) return _output.ToString(); } }

    /// <summary>Starts the script with <paramref name="azuriteLocation"/> as Azurite's folder; call <see cref="WaitUntilServingAsync"/> next.</summary>
    public static RunStackProcess Start(string azuriteLocation)
    {
        var root = RepoRoot.Find();
        var (blob, queue, table, api) = (AzuriteProcess.FreePort(), AzuriteProcess.FreePort(), AzuriteProcess.FreePort(), AzuriteProcess.FreePort());
        var start = new ProcessStartInfo("bash", [Path.Combine(root, "local", "run-stack.sh")])
        {
            WorkingDirectory = root,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["AZURITE_BLOB_PORT"] = $"{blob}";
        start.Environment["AZURITE_QUEUE_PORT"] = $"{queue}";
        start.Environment["AZURITE_TABLE_PORT"] = $"{table}";
        start.Environment["AZURITE_LOCATION"] = azuriteLocation;
        start.Environment["LVM_API_PORT"] = $"{api}";
        start.Environment["LVM_NO_BUILD"] = "1";
        start.Environment["LVM_NO_FUNC"] = "1";
        start.Environment["LVM_CONFIGURATION"] = BuildConfiguration();
        return new RunStackProcess(Process.Start(start)!, api, AzuriteProcess.ConnectionStringFor(blob, queue, table));
    }

    /// <summary>Waits until the worker serves and the API listens; throws with the script's output when it exits or times out.</summary>
    public Task WaitUntilServingAsync(TimeSpan timeout) =>
        WaitUntilAsync(() => Task.FromResult(Log.Contains("Serving generate") && Log.Contains("Now listening")), timeout);

    /// <summary>Waits until <paramref name="condition"/> holds; throws with the script's output when it exits or times out.</summary>
    public async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (_stack.HasExited)
                throw new InvalidOperationException($"run-stack.sh exited ({_stack.ExitCode}):\n{Log}");
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Not reached within {timeout}:\n{Log}");
            await Task.Delay(200);
        }
    }

    /// <summary>
    /// What a supervisor (or <c>kill</c>) sends: SIGTERM, then up to 90 s for the script to stop what it started and
    /// exit, with its output read to the end. Safe to call again.
    /// </summary>
    public void Stop()
    {
        if (!_stack.HasExited)
            Process.Start("kill", ["-TERM", $"{_stack.Id}"])!.WaitForExit();
        if (!_stack.WaitForExit(TimeSpan.FromSeconds(90)))
            _stack.Kill(entireProcessTree: true);
        _stack.WaitForExit();
    }

    /// <summary>The configuration this test run was built in (bin/{Configuration}/net10.0), so the script runs those builds.</summary>
    public static string BuildConfiguration() => new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    public void Dispose()
    {
        Stop();
        _stack.Dispose();
    }
}
