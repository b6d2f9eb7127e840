using System.Collections.Concurrent;
using Azure;
using Azure.Storage.Blobs.Models;
using LvmCloud.Functions.Functions;
using LvmCloud.Platform.Storage;
using LvmCloud.Platform.Training;
using Microsoft.Extensions.Options;

namespace LvmCloud.LocalApi;

/// <summary>
/// Stands in for the Event Grid subscription on <c>training/{runId}/run.json</c>: polls the <c>training</c> container's
/// top-level folders (one listing per poll) and, for a run whose <c>run.json</c> it has not seen in this version, runs
/// the function the blob trigger runs, once per run. Starting a run is idempotent, so a spec seen again after a restart
/// (or one that <c>POST /api/training</c> wrote) starts nothing twice.
/// </summary>
public sealed class RunSpecWatcher(
    StorageClients clients,
    IServiceProvider services,
    IOptions<LocalApiOptions> options,
    ILogger<RunSpecWatcher> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<string, ETag> _seen = new(StringComparer.Ordinal);
    private readonly HashSet<string> _started = new(StringComparer.Ordinal);
    private readonly DateTimeOffset _startedAt = DateTimeOffset.UtcNow - TimeSpan.FromSeconds(1);

    /// <summary>Errors met while running the trigger (logged, and kept for tests).</summary>
    public ConcurrentQueue<Exception> Errors { get; } = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        logger.LogInformation("Watching {Container} for run specs every {Interval}", clients.Training.Name, options.Value.ManifestPollInterval);
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
                logger.LogWarning("Run spec watch failed ({Error}); trying again", e.Message);
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
        if (!(await clients.Training.ExistsAsync(cancellationToken)).Value)
            return;
        await foreach (var entry in clients.Training.GetBlobsByHierarchyAsync(BlobTraits.None, BlobStates.None, "/", null, cancellationToken))
        {
            if (!entry.IsPrefix)
                continue;
            var runId = entry.Prefix.TrimEnd('/');
            if (_started.Contains(runId) || !TrainingIds.IsValidRunId(runId))
                continue;
            var spec = clients.Training.GetBlobClient(TrainingLayout.SpecPath(runId));
            BlobProperties properties;
            try
            {
                properties = (await spec.GetPropertiesAsync(cancellationToken: cancellationToken)).Value;
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                continue; // data still uploading: run.json comes last
            }
            if ((_seen.TryGetValue(runId, out var etag) && etag == properties.ETag)
                || (options.Value.OnlyNewManifests && properties.LastModified < _startedAt))
                continue;
            _seen[runId] = properties.ETag;
            using var scope = services.CreateScope();
            await scope.ServiceProvider.GetRequiredService<RunUploadedFunction>().Run(spec, runId, cancellationToken);
            _started.Add(runId);
        }
    }
}
