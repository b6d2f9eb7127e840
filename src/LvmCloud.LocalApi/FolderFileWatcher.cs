using System.Collections.Concurrent;
using LvmCloud.Core.Storage;
using LvmCloud.Platform.Storage;
using Microsoft.Extensions.Options;

namespace LvmCloud.LocalApi;

/// <summary>
/// Stands in for an Event Grid subscription on one file per top-level folder of a container (a batch's
/// <c>manifest.jsonl</c>, a run's <c>run.json</c>): polls the container's top-level folders (one listing per poll,
/// whatever the number of blobs) and, for a folder whose file it has not seen in this version, runs the function the
/// blob trigger runs, once per folder. The triggers are idempotent, so a file seen again after a restart does nothing twice.
/// </summary>
public abstract class FolderFileWatcher(IServiceProvider services, IOptions<LocalApiOptions> options, ILogger logger) : BackgroundService
{
    private readonly ConcurrentDictionary<string, string> _seen = new(StringComparer.Ordinal);
    private readonly HashSet<string> _done = new(StringComparer.Ordinal);
    private readonly DateTimeOffset _startedAt = DateTimeOffset.UtcNow - TimeSpan.FromSeconds(1);

    /// <summary>Errors met while running the trigger (logged, and kept for tests).</summary>
    public ConcurrentQueue<Exception> Errors { get; } = new();

    /// <summary>The container watched.</summary>
    protected abstract BlobStore Container { get; }

    /// <summary>What the file is, for log lines ("manifests", "run specs").</summary>
    protected abstract string What { get; }

    /// <summary>Whether a top-level folder name is an id this trigger takes.</summary>
    protected abstract bool IsValidId(string id);

    /// <summary>The watched file's blob path for a folder id.</summary>
    protected abstract string FilePath(string id);

    /// <summary>Runs the blob trigger's function for the file, in <paramref name="scope"/>.</summary>
    protected abstract Task TriggerAsync(IServiceProvider scope, string file, string id, CancellationToken cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        logger.LogInformation("Watching {Container} for {What} every {Interval}", Container.ContainerName, What, options.Value.ManifestPollInterval);
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
                logger.LogWarning("Watching {Container} for {What} failed ({Error}); trying again", Container.ContainerName, What, e.Message);
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
        var container = Container;
        if (!await container.ContainerExistsAsync(cancellationToken))
            return;
        await foreach (var id in container.ListFoldersAsync("", cancellationToken))
        {
            if (_done.Contains(id) || !IsValidId(id))
                continue;
            var path = FilePath(id);
            if (await container.GetInfoAsync(path, cancellationToken) is not { } file)
                continue; // the rest still uploading: the watched file comes last
            if ((_seen.TryGetValue(id, out var version) && version == file.Version)
                || (options.Value.OnlyNewManifests && file.LastModified < _startedAt))
                continue;
            _seen[id] = file.Version;
            using var scope = services.CreateScope();
            await TriggerAsync(scope.ServiceProvider, container.Prefix + path, id, cancellationToken);
            _done.Add(id);
        }
    }
}
