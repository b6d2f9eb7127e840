using System.Collections.Concurrent;
using System.Text.Json;
using LvmCloud.Core.Storage;
using LvmCloud.Platform;
using LvmCloud.Platform.Batches;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Storage;
using LvmCloud.Platform.Training;

namespace LvmCloud.Worker.Training;

/// <summary>A run's spec and plan as a job reads them.</summary>
public sealed record RunDefinition(string RunId, TrainingRunSpec Spec, TrainingPlan Plan);

/// <summary>
/// Reads a run's <c>run.json</c> and <c>plan.json</c> once per process: both are written once when the run starts and
/// never change, so every job of the run can share them.
/// </summary>
public sealed class RunFiles(StorageClients clients)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<RunDefinition>>> _runs = new(StringComparer.Ordinal);

    public async Task<RunDefinition> GetAsync(string runId, CancellationToken cancellationToken)
    {
        var lazy = _runs.GetOrAdd(runId, id => new Lazy<Task<RunDefinition>>(() => LoadAsync(id, CancellationToken.None)));
        try
        {
            return await lazy.Value.WaitAsync(cancellationToken);
        }
        catch (Exception) when (lazy.Value.IsFaulted)
        {
            _runs.TryRemove(new KeyValuePair<string, Lazy<Task<RunDefinition>>>(runId, lazy));
            throw;
        }
    }

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
