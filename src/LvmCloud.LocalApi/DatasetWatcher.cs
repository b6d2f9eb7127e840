using System.Collections.Concurrent;
using LvmCloud.Functions.Functions;
using LvmCloud.Platform.Datasets;
using LvmCloud.Platform.Storage;
using Microsoft.Extensions.Options;

namespace LvmCloud.LocalApi;

/// <summary>
/// Stands in for the Event Grid subscription on <c>datasets/{dataset}/sentences.jsonl</c>: polls the container's
/// top-level folders and, for a dataset whose <c>sentences.jsonl</c> has an ETag it has not seen, runs the function
/// the blob trigger runs. The first poll only records what is there (the scheduled run covers older changes);
/// planning is idempotent, so an upload seen twice queues nothing twice.
/// </summary>
public sealed class DatasetWatcher(
    StorageClients clients,
    IServiceProvider services,
    IOptions<LocalApiOptions> options,
    ILogger<DatasetWatcher> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<string, string> _seen = new(StringComparer.Ordinal);

    /// <summary>Errors met while running the trigger (logged, and kept for tests).</summary>
    public ConcurrentQueue<Exception> Errors { get; } = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        logger.LogInformation("Watching {Container} for sentences.jsonl uploads every {Interval}", clients.DatasetFiles.ContainerName, options.Value.DatasetPollInterval);
        var first = true;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PollAsync(first, stoppingToken);
                first = false;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                Errors.Enqueue(e);
                logger.LogWarning("Dataset watch failed ({Error}); trying again", e.Message);
            }
            try
            {
                await Task.Delay(options.Value.DatasetPollInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task PollAsync(bool recordOnly, CancellationToken cancellationToken)
    {
        var datasets = clients.DatasetFiles;
        if (!await datasets.ContainerExistsAsync(cancellationToken))
            return;
        await foreach (var dataset in TokenizeScheduler.DatasetNamesAsync(clients, cancellationToken))
        {
            var path = StorageLayout.SentencesPath(dataset);
            if (await datasets.GetInfoAsync(path, cancellationToken) is not { } sentences)
                continue; // images still uploading: sentences.jsonl comes last
            if (_seen.TryGetValue(dataset, out var version) && version == sentences.Version)
                continue;
            _seen[dataset] = sentences.Version;
            if (recordOnly)
                continue;
            using var scope = services.CreateScope();
            await scope.ServiceProvider.GetRequiredService<SentencesUploadedFunction>().HandleAsync(path, dataset, cancellationToken);
        }
    }
}
