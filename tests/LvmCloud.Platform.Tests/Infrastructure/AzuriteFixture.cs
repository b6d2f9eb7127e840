using System.Diagnostics;
using LvmCloud.Local;

namespace LvmCloud.Platform.Tests.Infrastructure;

/// <summary>
/// Starts Azurite (the npm package pinned in local/) on free loopback ports, in memory, once per test
/// collection, and stops it afterwards. Installs it first with <c>local/install-azurite.sh</c> (once; retried) when it is missing.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private AzuriteProcess? _azurite;

    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var root = RepoRoot.Find();
        var local = Path.Combine(root, "local");
        if (!File.Exists(Path.Combine(local, "node_modules", "azurite", "dist", "src", "azurite.js")))
            await RunAsync("bash", "install-azurite.sh", local, TimeSpan.FromMinutes(5));
        _azurite = await AzuriteProcess.StartAsync(root);
        ConnectionString = _azurite.ConnectionString;
    }

    public Task DisposeAsync()
    {
        _azurite?.Dispose();
        return Task.CompletedTask;
    }

    private static async Task RunAsync(string file, string args, string directory, TimeSpan timeout)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { WorkingDirectory = directory, UseShellExecute = false })
            ?? throw new InvalidOperationException($"Could not start {file}.");
        using var cts = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cts.Token);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"'{file} {args}' in {directory} exited with {process.ExitCode}.");
    }
}

[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
