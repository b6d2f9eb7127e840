using LvmCloud.Functions.Functions;
using LvmCloud.Platform.Storage;
using LvmCloud.Platform.Training;
using Microsoft.Extensions.Options;

namespace LvmCloud.LocalApi;

/// <summary>
/// Stands in for the Event Grid subscription on <c>training/{runId}/run.json</c>: a run's spec runs
/// <see cref="RunUploadedFunction"/> once (starting a run is idempotent, so a spec that <c>POST /api/training</c>
/// wrote starts nothing twice).
/// </summary>
public sealed class RunSpecWatcher(
    StorageClients clients,
    IServiceProvider services,
    IOptions<LocalApiOptions> options,
    ILogger<RunSpecWatcher> logger) : FolderFileWatcher(services, options, logger)
{
    protected override BlobStore Container => clients.TrainingFiles;
    protected override string What => "run specs";
    protected override bool IsValidId(string id) => TrainingIds.IsValidRunId(id);
    protected override string FilePath(string id) => TrainingLayout.SpecPath(id);

    protected override Task TriggerAsync(IServiceProvider scope, string file, string id, CancellationToken cancellationToken) =>
        scope.GetRequiredService<RunUploadedFunction>().HandleAsync(file, id, cancellationToken);
}
