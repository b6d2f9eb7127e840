using System.Diagnostics;
using LvmCloud.Core.Storage;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Storage;
using LvmCloud.Platform.Training;
using LvmCloud.Vision.Checkpoints;
using LvmCloud.Vision.Memory;
using LvmCloud.Vision.Tokenizer;
using LvmCloud.Vision.Training;
using LvmCloud.Vision.Transformer;
using LvmCloud.Worker.Completion;
using TorchSharp;
using static TorchSharp.torch;

namespace LvmCloud.Worker.Training;

/// <summary>
/// Where a run's transformer comes from and where each round's base goes: round 0 starts from the base model's
/// transformer (fine-tuning) or from a preset's weights drawn with the run's seed (as <c>lvm train</c> draws them:
/// <c>manual_seed(seed)</c>, then the model); round r ≥ 1 from <c>rounds/{r}/base/</c>, which round r−1's merge wrote
/// (weights and outer momentum). Registered models are found as batches find them (<see cref="ModelCache"/>).
/// </summary>
public sealed class TransformerSource(StorageClients clients, ModelCache models)
{
    /// <summary>Seeding and drawing the initial weights must not interleave with another job's: the generator is global.</summary>
    private static readonly Lock InitGate = new();

    public Device Device => models.Device;

    /// <summary>What a shard job may use now: <c>Worker:MemoryLimitGb</c> when set, else detected (<see cref="MemoryBudget.Detect(Device)"/>).</summary>
    public MemoryBudget Budget() => models.Placement.CurrentBudget();

    /// <summary>
    /// What a merge may use now: <c>Worker:MemoryLimitGb</c> when set, else the CPU's free memory detected (the merge's
    /// sums, momenta and shard weights live in the CPU's memory whatever the worker's device).
    /// </summary>
    public MemoryBudget MergeBudget() => models.Placement.Budget ?? MemoryBudget.Detect(CPU);

    /// <summary>The run's transformer config.</summary>
    public async Task<LlamaConfig> ConfigAsync(RunDefinition run, CancellationToken cancellationToken)
    {
        var spec = run.Spec.Base!;
        if (spec.Model is { } model)
            return LlamaConfig.Load(Path.Combine(await LocateAsync(model, cancellationToken), "transformer", "config.json"));
        try
        {
            return LlamaPresets.Get(spec.Preset!);
        }
        catch (ArgumentException e)
        {
            throw new PermanentJobException(e.Message, e);
        }
    }

    /// <summary>The tokenizer's config (of the base model, or of the model named as tokenizer).</summary>
    public async Task<(string Folder, VqganConfig Config)> TokenizerAsync(RunDefinition run, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(await LocateAsync(run.Spec.Base!.TokenizerSource!, cancellationToken), "tokenizer");
        return (folder, VqganConfig.Load(Path.Combine(folder, VqganTokenizer.ConfigFileName)));
    }

    /// <summary>The local folder of a registered model; a model that does not load is permanent for a run.</summary>
    public Task<string> LocateAsync(ModelReference model, CancellationToken cancellationToken) => models.LocateAsync(model, cancellationToken);

    /// <summary>A model of the run's shape with round <paramref name="round"/>'s base weights, and the seconds spent downloading them.</summary>
    public async Task<(LlamaForCausalLM Model, double DownloadSeconds)> LoadBaseAsync(RunDefinition run, int round, Device device, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        if (round > 0)
        {
            using var folder = StoreFolders.Temporary("lvm-base-");
            var store = clients.TrainingFiles.Under(TrainingLayout.BasePrefix(run.RunId, round) + TrainingLayout.BaseModelFolder);
            if (await store.DownloadFolderAsync("", folder.Path, cancellationToken: cancellationToken) == 0)
                throw new InvalidOperationException($"Run {run.RunId}: round {round} has no base weights yet ({store.Describe("config.json")}).");
            var seconds = clock.Elapsed.TotalSeconds;
            return (LlamaForCausalLM.FromPretrained(folder.Path, device), seconds);
        }
        var config = await ConfigAsync(run, cancellationToken);
        if (run.Spec.Base!.Model is { } model)
        {
            var transformer = Path.Combine(await LocateAsync(model, cancellationToken), "transformer");
            var seconds = clock.Elapsed.TotalSeconds;
            return (LlamaForCausalLM.FromPretrained(transformer, device), seconds);
        }
        return (Initial(config, run.Spec.Seed, device), 0);
    }

    /// <summary>A module of the run's shape whose weights are about to be replaced (a checkpoint, a shard's result).</summary>
    public static LlamaForCausalLM Blank(LlamaConfig config, Device device) => new(config, device);

    /// <summary>The preset's initial weights for <paramref name="seed"/>, drawn on the CPU exactly as <c>lvm train</c> draws them.</summary>
    public static LlamaForCausalLM Initial(LlamaConfig config, int seed, Device device)
    {
        LlamaForCausalLM model;
        lock (InitGate)
        {
            manual_seed(seed);
            model = new LlamaForCausalLM(config);
        }
        if (device.type != DeviceType.CPU)
            model.to(device);
        return model;
    }

    /// <summary>Round <paramref name="round"/>'s outer momentum (null at round 0, or when the previous merge had none).</summary>
    public async Task<Dictionary<string, Tensor>?> LoadMomentumAsync(string runId, int round, CancellationToken cancellationToken)
    {
        if (round == 0)
            return null;
        var store = new BlobStore(clients.Training, TrainingLayout.BasePrefix(runId, round));
        if (!await store.ExistsAsync(TrainingLayout.MomentumFileName, cancellationToken))
            return null;
        using var folder = StoreFolders.Temporary("lvm-momentum-");
        var local = Path.Combine(folder.Path, TrainingLayout.MomentumFileName);
        await store.DownloadFileAsync(TrainingLayout.MomentumFileName, local, cancellationToken);
        return OuterStep.LoadMomentum(local);
    }

    /// <summary>Writes round <paramref name="round"/>'s base: the momentum, then the model folder (config last is not needed: the merge record commits).</summary>
    public async Task WriteBaseAsync(string runId, int round, LlamaForCausalLM model, IReadOnlyDictionary<string, Tensor> momentum, CancellationToken cancellationToken)
    {
        using var folder = StoreFolders.Temporary("lvm-base-");
        var modelDir = Path.Combine(folder.Path, "model");
        model.SavePretrained(modelDir);
        OuterStep.SaveMomentum(Path.Combine(folder.Path, TrainingLayout.MomentumFileName), momentum);
        var store = new BlobStore(clients.Training, TrainingLayout.BasePrefix(runId, round));
        await store.UploadFileAsync(TrainingLayout.MomentumFileName, Path.Combine(folder.Path, TrainingLayout.MomentumFileName), cancellationToken);
        await store.UploadFolderAsync(modelDir, TrainingLayout.BaseModelFolder, cancellationToken);
    }

    /// <summary>Loads the weights of a shard's committed checkpoint into <paramref name="model"/>; the bytes of its model files.</summary>
    public async Task<long> LoadShardWeightsAsync(string runId, int round, int shard, TrainingState checkpoint, LlamaForCausalLM model, CancellationToken cancellationToken)
    {
        var files = ShardCheckpoints(runId, round, shard);
        try
        {
            await new CheckpointStore(files).RestoreAsync(checkpoint, model, null, cancellationToken);
        }
        catch (CheckpointException e)
        {
            throw new PermanentJobException($"Run {runId}: the result of shard {shard} of round {round} does not fit the model: {e.Message}", e);
        }
        long bytes = 0;
        await foreach (var file in files.ListAsync($"{checkpoint.Folder}/{CheckpointStore.ModelFolder}/", cancellationToken))
            bytes += file.Length;
        return bytes;
    }

    /// <summary>The checkpoint store of a shard job (its resume point, then its result).</summary>
    public IFileStore ShardCheckpoints(string runId, int round, int shard) =>
        new BlobStore(clients.Training, TrainingLayout.ShardPrefix(runId, round, shard) + TrainingLayout.CheckpointFolder);

    /// <summary>The shard job's folder (<c>result.json</c>).</summary>
    public IFileStore ShardFolder(string runId, int round, int shard) =>
        new BlobStore(clients.Training, TrainingLayout.ShardPrefix(runId, round, shard));
}
