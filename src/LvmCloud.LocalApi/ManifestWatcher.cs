using System.Collections.Concurrent;
using Azure;
using Azure.Storage.Blobs.Models;
using LvmCloud.Functions.Functions;
using LvmCloud.Platform.Storage;
using Microsoft.Extensions.Options;

namespace LvmCloud.LocalApi;

/// <summary>
/// Stands in for the Event Grid subscription that fires the manifest trigger in Azure: polls the <c>batches</c>
/// container's top-level folders (one listing per poll, whatever the number of blobs) and, for a batch whose
/// <c>manifest.jsonl</c> it has not seen in this version, runs the same function the blob trigger runs. Intake is
/// idempotent, so a manifest seen again after a restart plans nothing twice.
/// </summary>
public sealed class ManifestWatcher(
    StorageClients clients,
    IServiceProvider services,
    IOptions<LocalApiOptions> options,
    ILogger<ManifestWatcher> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<string, ETag> _seen = new(StringComparer.Ordinal);
    private readonly HashSet<string> _planned = new(StringComparer.Ordinal);

    /// <summary>Errors met while running the trigger (logged, and kept for tests).</summary>
    public ConcurrentQueue<Exception> Errors { get; } = new();

    private readonly DateTimeOffset _startedAt = DateTimeOffset.UtcNow - TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        logger.LogInformation("Watching {Container} for manifests every {Interval}", clients.Batches.Name, options.Value.ManifestPollInterval);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PollAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                Errors.Enqueue(e);
                logger.LogWarning("Manifest watch failed ({Error}); trying again", e.Message);
            }
            try
            {
                await Task.Delay(options.Value.ManifestPollInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task PollAsync(CancellationToken cancellationToken)
    {
        if (!(await clients.Batches.ExistsAsync(cancellationToken)).Value)
            return;
        await foreach (var entry in clients.Batches.GetBlobsByHierarchyAsync(BlobTraits.None, BlobStates.None, "/", null, cancellationToken))
        {
            if (!entry.IsPrefix)
                continue;
            var batchId = entry.Prefix.TrimEnd('/');
            if (_planned.Contains(batchId) || !Identifiers.IsValidBatchId(batchId))
                continue;
            var manifest = clients.Batches.GetBlobClient(StorageLayout.ManifestPath(batchId));
            BlobProperties properties;
            try
            {
                properties = (await manifest.GetPropertiesAsync(cancellationToken: cancellationToken)).Value;
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                continue; // images still uploading: the manifest comes last
            }
            if ((_seen.TryGetValue(batchId, out var etag) && etag == properties.ETag)
                || (options.Value.OnlyNewManifests && properties.LastModified < _startedAt))
                continue;
            _seen[batchId] = properties.ETag;
            using var scope = services.CreateScope();
            await scope.ServiceProvider.GetRequiredService<ManifestUploadedFunction>().Run(manifest, batchId, cancellationToken);
            _planned.Add(batchId);
        }
    }
}
