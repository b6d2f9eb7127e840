using LvmCloud.Core.Storage;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Training;

/// <summary>
/// A local run folder's checkpoints: a <see cref="CheckpointStore"/> over <c>{run}/checkpoint/</c> that also publishes
/// the committed model to <c>{run}/checkpoint/model/</c>, the fixed folder that <c>lvm assemble-model</c>,
/// <c>lvm tokenize-dataset</c> and the recipe scripts load. The synchronous calls are for the trainers' loops.
/// </summary>
public static class TrainingCheckpoint
{
    public static string DirectoryOf(string runDirectory) => Path.Combine(runDirectory, "checkpoint");

    /// <summary>The model of the run's latest checkpoint, as a model folder (config.json + model.safetensors).</summary>
    public static string ModelDirectoryOf(string runDirectory) => Path.Combine(DirectoryOf(runDirectory), CheckpointStore.ModelFolder);

    /// <summary>The run's checkpoints as a store.</summary>
    public static CheckpointStore StoreOf(string runDirectory) => new(new FolderStore(DirectoryOf(runDirectory)));

    /// <summary>Saves, commits and publishes the checkpoint of <paramref name="state"/>'s step (see <see cref="CheckpointStore.SaveAsync"/>).</summary>
    public static void Save(string runDirectory, nn.Module model, Action<string> writeConfig, OptimizerHelper optimizer, TrainingState state) =>
        Wait(() => StoreOf(runDirectory).SaveAsync(model, writeConfig, optimizer, state, publishModel: true));

    /// <summary>The saved state, or null when the run has no checkpoint yet.</summary>
    public static TrainingState? ReadState(string runDirectory) => Wait(() => StoreOf(runDirectory).ReadStateAsync());

    /// <summary>Loads the run's latest checkpoint into <paramref name="model"/> and <paramref name="optimizer"/>.</summary>
    /// <exception cref="InvalidOperationException">The run has no checkpoint.</exception>
    public static void Restore(string runDirectory, nn.Module model, OptimizerHelper optimizer) => Wait(async () =>
    {
        var store = StoreOf(runDirectory);
        var state = await store.ReadStateAsync().ConfigureAwait(false)
            ?? throw new InvalidOperationException($"'{runDirectory}' has no checkpoint to restore.");
        await store.RestoreAsync(state, model, optimizer).ConfigureAwait(false);
    });

    // The store calls run on a pool thread, so the blocked caller's synchronization context (if any) is never needed.
    private static void Wait(Func<Task> work) => Task.Run(work).GetAwaiter().GetResult();

    private static T Wait<T>(Func<Task<T>> work) => Task.Run(work).GetAwaiter().GetResult();
}
