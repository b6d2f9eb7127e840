using System.Text.Json;
using LvmCloud.Core.Storage;
using LvmCloud.Platform;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Training;
using LvmCloud.Vision.Checkpoints;
using LvmCloud.Vision.Training;
using LvmCloud.Vision.Transformer;
using TorchSharp.Modules;

namespace LvmCloud.Worker.Training;

/// <summary>
/// The checkpoint I/O of one shard of one round: its last checkpoint (read, checked and restored), the model and
/// optimizer it starts from (that checkpoint, else the round's base weights and the shard's AdamW state as its previous
/// round ended, which DiLoCo keeps), the checkpoints it writes, and its <c>result.json</c>. Damaged files fail the run
/// for good (<see cref="PermanentJobException"/>) with the reason: they do not mend on a retry.
/// </summary>
public sealed class ShardCheckpoints(TransformerSource transformers, string runId, int round, int shard)
{
    private readonly CheckpointStore _store = new(transformers.ShardCheckpoints(runId, round, shard));

    /// <summary>The shard's last checkpoint in this round, or null when it has none.</summary>
    public async Task<TrainingState?> ReadSavedAsync(CancellationToken cancellationToken)
    {
        TrainingState? saved;
        try
        {
            saved = await _store.ReadStateAsync(cancellationToken);
        }
        catch (InvalidDataException e)
        {
            throw new PermanentJobException($"Run {runId}: the checkpoint of shard {shard} of round {round} cannot be read: {e.Message}", e);
        }
        if (saved is not null && saved.Kind != ShardTraining.CheckpointKind)
            throw new PermanentJobException($"Run {runId}: the checkpoint of shard {shard} of round {round} is a {saved.Kind} checkpoint.");
        return saved;
    }

    /// <summary>The model to train: blank when <paramref name="saved"/> will fill it, else the round's base weights.</summary>
    public async Task<LlamaForCausalLM> OpenModelAsync(RunDefinition run, LlamaConfig config, TrainingState? saved, CancellationToken cancellationToken)
    {
        var (model, _) = saved is not null
            ? (TransformerSource.Blank(config, transformers.Device), 0)
            : await transformers.LoadBaseAsync(run, round, transformers.Device, cancellationToken);
        return model;
    }

    /// <summary>
    /// Fills the model and optimizer from <paramref name="saved"/>; with no checkpoint in a later round, the optimizer
    /// from the shard's own last checkpoint of the previous round (the model already holds the round's base).
    /// </summary>
    public async Task RestoreAsync(TrainingState? saved, LlamaForCausalLM model, AdamW optimizer, CancellationToken cancellationToken)
    {
        if (saved is not null)
        {
            try
            {
                await _store.RestoreAsync(saved, model, optimizer, cancellationToken);
            }
            catch (Exception e) when (e is InvalidDataException or CheckpointException or EndOfStreamException)
            {
                // Damaged files do not mend: fail the run with the reason rather than retrying it to poison.
                throw new PermanentJobException($"Run {runId}: the checkpoint of shard {shard} of round {round} at step {saved.Step} cannot be restored: {e.Message}", e);
            }
        }
        else if (round > 0)
        {
            // DiLoCo keeps each worker's inner optimizer state from round to round: this shard's, as its last round ended.
            var previousResult = await ReadResultAsync(transformers.ShardFolder(runId, round - 1, shard), cancellationToken)
                ?? throw new PermanentJobException($"Run {runId}: shard {shard} of round {round - 1} has no result.json, so its optimizer state is lost.");
            await new CheckpointStore(transformers.ShardCheckpoints(runId, round - 1, shard)).RestoreAsync(previousResult.Checkpoint, null, optimizer, cancellationToken);
        }
    }

    /// <summary>Writes a checkpoint of the model and optimizer at <paramref name="state"/>'s step.</summary>
    public Task SaveAsync(LlamaForCausalLM model, AdamW optimizer, TrainingState state, CancellationToken cancellationToken) =>
        _store.SaveAsync(model, model.Config.Save, optimizer, state, cancellationToken: cancellationToken);

    /// <summary>The checkpoint the finished inner loop left, which must be at the range's last step.</summary>
    public async Task<TrainingState> ReadCommittedAsync(int toStep, CancellationToken cancellationToken)
    {
        var committed = await _store.ReadStateAsync(cancellationToken);
        if (committed is null || committed.Step != toStep)
            throw new InvalidOperationException($"Run {runId}: shard {shard} of round {round} ended without its checkpoint at step {toStep} (found {committed?.Step}).");
        return committed;
    }

    /// <summary>Writes the shard's <c>result.json</c> (what the round's merge reads).</summary>
    public Task WriteResultAsync(ShardResult result, CancellationToken cancellationToken) =>
        transformers.ShardFolder(runId, round, shard).WriteTextAsync(TrainingLayout.ShardResultFileName,
            JsonSerializer.Serialize(result, PlatformJson.Web), cancellationToken: cancellationToken);

    /// <summary>A shard job's <c>result.json</c>, or null when it has none yet.</summary>
    public static async Task<ShardResult?> ReadResultAsync(IFileStore shardFolder, CancellationToken cancellationToken)
    {
        var text = await shardFolder.TryReadAllTextAsync(TrainingLayout.ShardResultFileName, cancellationToken);
        return text is null ? null : JsonSerializer.Deserialize<ShardResult>(text, PlatformJson.Web);
    }
}
