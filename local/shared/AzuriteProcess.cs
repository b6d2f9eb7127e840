using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace LvmCloud.Local;

/// <summary>
/// Azurite from <c>local/node_modules</c> (run <c>npm ci</c> in local/ first), in memory, on free loopback ports.
/// Shared source, compiled into the platform tests and the platform benchmark (linked from their project files).
/// </summary>
internal sealed class AzuriteProcess : IDisposable
{
    // Azurite's fixed, publicly documented development account key (not a secret).
    private const string DevKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private readonly Process _process;
    private readonly List<string> _output;

    private AzuriteProcess(Process process, string connectionString, List<string> output)
    {
        _process = process;
        ConnectionString = connectionString;
        _output = output;
    }

    public string ConnectionString { get; }

    /// <summary>CPU time Azurite has used so far: on one machine it shares the cores with whatever it serves.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>What Azurite has printed so far: with the access log on, one line per request it served.</summary>
    public IReadOnlyList<string> OutputLines()
    {
        lock (_output)
            return [.. _output];
    }

    /// <param name="accessLog">Print a line per request (Azurite's access log; off by default, <c>--silent</c>).</param>
    public static async Task<AzuriteProcess> StartAsync(string repoRoot, bool accessLog = false)
    {
        var local = Path.Combine(repoRoot, "local");
        var script = Path.Combine(local, "node_modules", "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(script))
            throw new InvalidOperationException($"Azurite is not installed: run 'npm ci' in {local}, or pass --storage CONNECTION_STRING.");
        var (blob, queue, table) = (FreePort(), FreePort(), FreePort());
        var start = new ProcessStartInfo("node") { WorkingDirectory = local, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[]
                 {
                     script, "--inMemoryPersistence", "--skipApiVersionCheck",
                     "--blobHost", "127.0.0.1", "--blobPort", $"{blob}",
                     "--queueHost", "127.0.0.1", "--queuePort", $"{queue}",
                     "--tableHost", "127.0.0.1", "--tablePort", $"{table}",
                 })
            start.ArgumentList.Add(arg);
        if (!accessLog)
            start.ArgumentList.Add("--silent");
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node for Azurite.");
        var output = new List<string>();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.Add(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.Add(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        foreach (var port in new[] { blob, queue, table })
            await WaitForPortAsync(process, port, output);
        return new AzuriteProcess(process, ConnectionStringFor(blob, queue, table), output);
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
