using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace LvmCloud.Local;

/// <summary>
/// Azurite from <c>local/node_modules</c> (run <c>npm ci</c> in local/ first) on free loopback ports: in memory, or
/// with its data in a folder (<c>--location</c>), where <see cref="StopAsync"/> and <see cref="RestartAsync"/> take it
/// down and bring it back on the same ports and data, the way a storage outage looks to its clients.
/// Shared source, compiled into the platform tests and the platform benchmark (linked from their project files).
/// </summary>
internal sealed class AzuriteProcess : IDisposable
{
    // Azurite's fixed, publicly documented development account key (not a secret).
    private const string DevKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private readonly string _repoRoot;
    private readonly string? _location;
    private readonly (int Blob, int Queue, int Table) _ports;
    private readonly bool _accessLog;
    private Process _process;
    private List<string> _output;

    private AzuriteProcess(string repoRoot, string? location, (int Blob, int Queue, int Table) ports, bool accessLog, (Process Process, List<string> Output) started)
    {
        _repoRoot = repoRoot;
        _accessLog = accessLog;
        _location = location;
        _ports = ports;
        (_process, _output) = started;
        ConnectionString = ConnectionStringFor(ports.Blob, ports.Queue, ports.Table);
    }

    public string ConnectionString { get; }

    /// <summary>Whether Azurite is serving (false between <see cref="StopAsync"/> and <see cref="RestartAsync"/>).</summary>
    public bool IsRunning => !_process.HasExited;

    /// <summary>CPU time Azurite has used so far: on one machine it shares the cores with whatever it serves.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <param name="repoRoot">The folder holding <c>local/</c>.</param>
    /// <param name="location">A folder for Azurite's data (kept across <see cref="RestartAsync"/>); null keeps everything in memory.</param>
    /// <param name="accessLog">Print a line per request (Azurite's access log; off by default, <c>--silent</c>).</param>
    public static async Task<AzuriteProcess> StartAsync(string repoRoot, string? location = null, bool accessLog = false)
    {
        var ports = (FreePort(), FreePort(), FreePort());
        return new AzuriteProcess(repoRoot, location, ports, accessLog, await LaunchAsync(repoRoot, location, ports, accessLog));
    }

    /// <summary>What Azurite has printed so far (since its last start): with the access log on, one line per request it served.</summary>
    public IReadOnlyList<string> OutputLines()
    {
        var output = _output;
        lock (output)
            return [.. output];
    }

    /// <summary>
    /// Stops Azurite the way its own Ctrl+C does (SIGTERM: it stops serving, closes its services and saves their
    /// data), so nothing it acknowledged is lost; clients meet refused connections until <see cref="RestartAsync"/>.
    /// Once all three services say they closed, the process is ended (node may linger on open client sockets).
    /// </summary>
    public async Task StopAsync()
    {
        if (_process.HasExited)
            return;
        using (var kill = Process.Start("kill", ["-TERM", $"{_process.Id}"]))
            await kill!.WaitForExitAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!_process.HasExited && DateTime.UtcNow < deadline)
        {
            lock (_output)
                if (_output.Count(l => l.Contains("successfully closed", StringComparison.Ordinal)) >= 3)
                    break;
            await Task.Delay(20);
        }
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>Starts Azurite again on the same ports and, with a location, the same data.</summary>
    public async Task RestartAsync()
    {
        if (!_process.HasExited)
            throw new InvalidOperationException("Azurite is still running: stop it first.");
        _process.Dispose();
        (_process, _output) = await LaunchAsync(_repoRoot, _location, _ports, _accessLog);
    }

    private static async Task<(Process, List<string>)> LaunchAsync(string repoRoot, string? location, (int Blob, int Queue, int Table) ports, bool accessLog)
    {
        var local = Path.Combine(repoRoot, "local");
        var script = Path.Combine(local, "node_modules", "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(script))
            throw new InvalidOperationException($"Azurite is not installed: run 'npm ci' in {local}, or pass --storage CONNECTION_STRING.");
        var start = new ProcessStartInfo("node") { WorkingDirectory = local, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        string[] persistence = location is null ? ["--inMemoryPersistence"] : ["--location", Directory.CreateDirectory(location).FullName];
        foreach (var arg in new[] { script }.Concat(persistence).Concat(
                 [
                     "--skipApiVersionCheck",
                     "--blobHost", "127.0.0.1", "--blobPort", $"{ports.Blob}",
                     "--queueHost", "127.0.0.1", "--queuePort", $"{ports.Queue}",
                     "--tableHost", "127.0.0.1", "--tablePort", $"{ports.Table}",
                 ]))
            start.ArgumentList.Add(arg);
        if (!accessLog)
            start.ArgumentList.Add("--silent");
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node for Azurite.");
        var output = new List<string>();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.Add(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.Add(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        foreach (var port in new[] { ports.Blob, ports.Queue, ports.Table })
            await WaitForPortAsync(process, port, output);
        return (process, output);
    }

    /// <summary>The connection string of an Azurite on these loopback ports.</summary>
    public static string ConnectionStringFor(int blob, int queue, int table)
    {
        const string account = "devstoreaccount1";
        return $"DefaultEndpointsProtocol=http;AccountName={account};AccountKey={DevKey};" +
            $"BlobEndpoint=http://127.0.0.1:{blob}/{account};QueueEndpoint=http://127.0.0.1:{queue}/{account};TableEndpoint=http://127.0.0.1:{table}/{account};";
    }

    private static async Task WaitForPortAsync(Process process, int port, List<string> output)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"Azurite exited with code {process.ExitCode}: {string.Join('\n', output)}");
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>A loopback port nobody listens on right now.</summary>
    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        _process.Dispose();
    }
}
