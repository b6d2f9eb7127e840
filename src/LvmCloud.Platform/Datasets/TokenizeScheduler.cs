using LvmCloud.Platform.Batches;
using LvmCloud.Platform.Requests;
using LvmCloud.Platform.Storage;
using Microsoft.Extensions.Logging;

namespace LvmCloud.Platform.Datasets;

/// <summary>
/// The scheduled run: plans every dataset with the default tokenizer. One listing of the container's top-level
/// folders finds the datasets; each costs what <see cref="TokenizePlanner"/> says (a listing and a table read when
/// nothing changed). A dataset that fails to plan is logged and the others go on.
/// </summary>
public sealed class TokenizeScheduler(StorageClients clients, TokenizePlanner planner, ILogger<TokenizeScheduler> logger)
{
    public async Task<IReadOnlyList<TokenizePlanOutcome>> RunAsync(CancellationToken cancellationToken)
    {
        var outcomes = new List<TokenizePlanOutcome>();
        if (!await clients.DatasetFiles.ContainerExistsAsync(cancellationToken))
            return outcomes;
        await foreach (var dataset in DatasetNamesAsync(clients, cancellationToken))
        {
            try
            {
                outcomes.Add(await planner.PlanAsync(dataset, TokenizeRequest.Default, TokenizePlanner.TimerTrigger, cancellationToken));
            }
            catch (NotFoundException e)
            {
                logger.LogInformation("Dataset {Dataset} not planned: {Reason}", dataset, e.Message);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Dataset {Dataset} could not be planned; the next run tries again", dataset);
            }
        }
        logger.LogInformation("Scheduled retokenization: {Datasets} datasets looked at, {Planned} runs planned, {Chunks} chunks queued",
            outcomes.Count, outcomes.Count(o => o.Status == TokenizePlanOutcome.Planned), outcomes.Sum(o => o.ChunksQueued));
        return outcomes;
    }

    /// <summary>The container's top-level folders that are valid dataset names (one listing by hierarchy).</summary>
    public static async IAsyncEnumerable<string> DatasetNamesAsync(StorageClients clients, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var name in clients.DatasetFiles.ListFoldersAsync("", cancellationToken))
            if (Identifiers.IsValidDatasetName(name))
                yield return name;
    }
}
