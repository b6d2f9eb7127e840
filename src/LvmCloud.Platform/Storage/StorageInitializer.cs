using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LvmCloud.Platform.Storage;

/// <summary>Creates the platform's containers, table and queues at start (idempotent; a no-op when they exist).</summary>
internal sealed class StorageInitializer(StorageClients clients, ILogger<StorageInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await clients.EnsureCreatedAsync(cancellationToken);
        logger.LogInformation("Storage ready: {Blobs}", clients.Blobs.Uri);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
