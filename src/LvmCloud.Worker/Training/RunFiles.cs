using System.Text.Json;
using LvmCloud.Core.Storage;
using LvmCloud.Platform;
using LvmCloud.Platform.Batches;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Requests;
using LvmCloud.Platform.Storage;
using LvmCloud.Platform.Training;
using LvmCloud.Worker.Caching;

namespace LvmCloud.Worker.Training;

/// <summary>
/// Reads a run's <c>run.json</c> and <c>plan.json</c> once per process: both are written once when the run starts and
/// never change, so every job of the run can share them.
/// </summary>
public sealed class RunFiles(StorageClients clients)
{
    private readonly CacheOnce<string, RunDefinition> _runs = new(StringComparer.Ordinal);

    /// <summary>The run's spec and plan, read on first use; a failed read is tried again on the next call.</summary>
    public Task<RunDefinition> GetAsync(string runId, CancellationToken cancellationToken) =>
        _runs.GetAsync(runId, id => LoadAsync(id, CancellationToken.None), cancellationToken);

    private async Task<RunDefinition> LoadAsync(string runId, CancellationToken cancellationToken)
    {
        string specText, planText;
        try
        {
            specText = await clients.TrainingFiles.ReadAllTextAsync(TrainingLayout.SpecPath(runId), cancellationToken);
            planText = await clients.TrainingFiles.ReadAllTextAsync(TrainingLayout.PlanPath(runId), cancellationToken);
        }
        catch (FileNotFoundException e)
        {
            throw new PermanentJobException($"Run {runId} has no {TrainingLayout.SpecFileName} or {TrainingLayout.PlanFileName} in the {StorageLayout.TrainingContainer} container.", e);
        }
        try
        {
            var spec = TrainingRunSpecJson.Parse(specText);
            var plan = JsonSerializer.Deserialize<TrainingPlan>(planText, PlatformJson.Web) ?? throw new JsonException("plan.json is null");
            return new RunDefinition(runId, spec, plan);
        }
        catch (Exception e) when (e is BadRequestException or JsonException)
        {
            throw new PermanentJobException($"Run {runId}: {e.Message}", e);
        }
    }
}
