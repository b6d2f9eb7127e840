using System.Diagnostics;
using System.Text;

namespace LvmCloud.Cli.Tests.Support;

/// <summary>
/// The built <c>lvm</c> as a child process (<c>dotnet lvm.dll ...</c> from the test's output folder, where the
/// project reference puts it), with stdout and stderr collected, for tests that need a real process: one to kill.
/// </summary>
public sealed class LvmProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private LvmProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_stdout) _stdout.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_stderr) _stderr.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public static string Assembly => Path.Combine(AppContext.BaseDirectory, "lvm.dll");

    public bool HasExited => _process.HasExited;

    public static LvmProcess Start(params string[] args)
    {
        if (!File.Exists(Assembly)) throw new FileNotFoundException($"The built CLI '{Assembly}' is missing: build tests/LvmCloud.Cli.Tests.", Assembly);
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Assembly);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        return new LvmProcess(Process.Start(start) ?? throw new InvalidOperationException("Could not start dotnet."));
    }

    /// <summary>SIGKILL on Unix: no finally block, no flush, no chance to finish the current write.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public async Task<CliResult> WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"lvm did not finish within {timeout}.\nstderr: {Stderr}");
        }
        _process.WaitForExit(); // drains the redirected streams
        return new CliResult(_process.ExitCode, Stdout, Stderr);
    }

    public string Stdout { get { lock (_stdout) return _stdout.ToString(); } }
    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

    public void Dispose()
    {
        if (!_process.HasExited) Kill();
        _process.Dispose();
    }

    /// <summary>The dotnet host running this test (the SDK sets DOTNET_HOST_PATH for the processes it starts).</summary>
    private static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)) return host;
        if (Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet") return self;
        return "dotnet";
    }
}
