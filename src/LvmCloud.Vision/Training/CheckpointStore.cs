using System.Text.Json;
using LvmCloud.Core.Storage;
using LvmCloud.Vision.Checkpoints;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Training;

/// <summary>
/// Training checkpoints in an <see cref="IFileStore"/>: a run's local folder or a prefix in blob storage, so a
/// worker keeps them where a redelivered job finds them. Layout:
/// <code>
/// state.json                    the commit: step, seed, kind, last loss and the step folder that holds them
/// step-00000600/model/          config.json + model.safetensors (a model folder)
/// step-00000600/optimizer.bin   the optimizer state (TorchSharp's format), when there is an optimizer
/// model/                        when published: a copy of the committed model at a fixed path, for tools
/// </code>
/// <see cref="SaveAsync"/> writes a new step folder, then <c>state.json</c> (one whole-file write, which both a folder
/// and a blob container make visible at once: that write is the commit), and only then deletes the other step folders.
/// Neither store can rename a folder, so a step folder is never written in place: a process killed at any moment
/// leaves <c>state.json</c> naming a complete folder, the previous one until the commit, the new one after it.
/// </summary>
public sealed class CheckpointStore(IFileStore files)
{
    public const string StateFile = "state.json";
    public const string OptimizerFile = "optimizer.bin";
    public const string ModelFolder = "model";
    private const string StepFolderPrefix = "step-";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public IFileStore Files { get; } = files;

    /// <summary>The committed state, or null when the store holds no checkpoint yet.</summary>
    /// <exception cref="InvalidDataException"><c>state.json</c> does not name a step folder.</exception>
    public async Task<TrainingState?> ReadStateAsync(CancellationToken cancellationToken = default)
    {
        string? text = await Files.TryReadAllTextAsync(StateFile, cancellationToken).ConfigureAwait(false);
        if (text is null) return null;
        var state = JsonSerializer.Deserialize<TrainingState>(text, Json)
            ?? throw new InvalidDataException($"'{Files.Describe(StateFile)}' holds no training state.");
        if (state.Folder is not { } folder || !folder.StartsWith(StepFolderPrefix, StringComparison.Ordinal) || folder.Contains('/'))
            throw new InvalidDataException(
                $"'{Files.Describe(StateFile)}' names no step folder (a checkpoint of an older layout?): start a new run folder.");
        StorePath.Require(folder);
        return state;
    }

    /// <summary>
    /// Writes the model (its config through <paramref name="writeConfig"/>, its weights as safetensors) and the
    /// optimizer state as the checkpoint of <paramref name="state"/>'s step, commits it, then deletes older ones.
    /// With <paramref name="publishModel"/>, the committed model is also copied to <c>model/</c>.
    /// </summary>
    public async Task SaveAsync(nn.Module model, Action<string> writeConfig, OptimizerHelper? optimizer, TrainingState state,
        bool publishModel = false, CancellationToken cancellationToken = default)
    {
        var committed = await ReadStateAsync(cancellationToken).ConfigureAwait(false);
        string folder = FolderFor(state.Step, committed?.Folder);
        await DeleteAllAsync($"{folder}/", keep: null, cancellationToken).ConfigureAwait(false); // an attempt that never committed

        // The weights writer and the optimizer write files: stage them locally, then copy each into the store.
        var staging = Directory.CreateTempSubdirectory("lvm-checkpoint-");
        try
        {
            string modelDir = Path.Combine(staging.FullName, ModelFolder);
            Directory.CreateDirectory(modelDir);
            writeConfig(Path.Combine(modelDir, "config.json"));
            CheckpointWriter.Save(model, modelDir);
            foreach (string file in Directory.GetFiles(modelDir).Order(StringComparer.Ordinal))
                await Files.UploadFileAsync($"{folder}/{ModelFolder}/{Path.GetFileName(file)}", file, cancellationToken).ConfigureAwait(false);
            if (optimizer is not null)
            {
                string optimizerFile = Path.Combine(staging.FullName, OptimizerFile);
                optimizer.save_state_dict(optimizerFile);
                await Files.UploadFileAsync($"{folder}/{OptimizerFile}", optimizerFile, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            staging.Delete(recursive: true);
        }

        // The commit. Until this write the previous step folder is the checkpoint, so it is deleted only afterwards.
        await Files.WriteTextAsync(StateFile, JsonSerializer.Serialize(state with { Folder = folder }, Json), cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        await DeleteAllAsync(StepFolderPrefix, keep: $"{folder}/", cancellationToken).ConfigureAwait(false);
        if (publishModel) await PublishModelAsync(folder, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Loads the checkpoint that <paramref name="state"/> (from <see cref="ReadStateAsync"/>) commits: the weights into
    /// <paramref name="model"/>, in place, and the optimizer state into <paramref name="optimizer"/>, which must have been
    /// built over the same parameters in the same groups. Either may be null to load only the other (a job that takes
    /// its weights from one checkpoint and its optimizer state from another).
    /// </summary>
    public async Task RestoreAsync(TrainingState state, nn.Module? model, OptimizerHelper? optimizer, CancellationToken cancellationToken = default)
    {
        string folder = state.Folder ?? throw new ArgumentException("The state names no step folder: read it with ReadStateAsync.", nameof(state));
        if (model is not null) await LoadWeightsAsync(folder, model, cancellationToken).ConfigureAwait(false);
        if (optimizer is not null)
        {
            // The state streams straight from the store: BinaryReader reads whole tensors even from a network stream.
            await using var stream = await Files.OpenReadAsync($"{folder}/{OptimizerFile}", cancellationToken).ConfigureAwait(false);
            using var reader = new BinaryReader(stream);
            optimizer.load_state_dict(reader);
        }
    }

    /// <summary>The weight loader reads files: the step folder's model is downloaded to a local folder first.</summary>
    private async Task LoadWeightsAsync(string folder, nn.Module model, CancellationToken cancellationToken)
    {
        var staging = Directory.CreateTempSubdirectory("lvm-checkpoint-");
        try
        {
            string modelDir = Path.Combine(staging.FullName, ModelFolder);
            var weights = await ListAsync($"{folder}/{ModelFolder}/", cancellationToken).ConfigureAwait(false);
            if (weights.Count == 0) throw new FileNotFoundException($"The checkpoint '{Files.Describe(folder)}' holds no model.");
            foreach (var path in weights)
                await Files.DownloadFileAsync(path, Path.Combine(modelDir, path[(folder.Length + ModelFolder.Length + 2)..]), cancellationToken).ConfigureAwait(false);
            try
            {
                CheckpointLoader.LoadInto(model, modelDir);
            }
            catch (InvalidDataException e)
            {
                // The local copy is temporary: name the checkpoint's own place.
                throw new InvalidDataException($"The checkpoint '{Files.Describe(folder)}': {e.Message.Replace(modelDir, ModelFolder, StringComparison.Ordinal)}", e);
            }
        }
        finally
        {
            staging.Delete(recursive: true);
        }
    }

    /// <summary>Copies the model of step folder <paramref name="folder"/> to <c>model/</c>, then removes files it no longer has.</summary>
    private async Task PublishModelAsync(string folder, CancellationToken cancellationToken)
    {
        string source = $"{folder}/{ModelFolder}/";
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in await ListAsync(source, cancellationToken).ConfigureAwait(false))
        {
            string name = path[source.Length..];
            names.Add($"{ModelFolder}/{name}");
            await using var stream = await Files.OpenReadAsync(path, cancellationToken).ConfigureAwait(false);
            await Files.WriteAsync($"{ModelFolder}/{name}", stream, ContentTypes.For(name), cancellationToken).ConfigureAwait(false);
        }
        foreach (var path in await ListAsync($"{ModelFolder}/", cancellationToken).ConfigureAwait(false))
            if (!names.Contains(path))
                await Files.DeleteAsync(path, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>step-{step}</c>, or a variant when that name is the committed folder (the same step saved twice): the
    /// committed folder is never written into.
    /// </summary>
    private static string FolderFor(int step, string? committed)
    {
        string folder = $"{StepFolderPrefix}{step:D8}";
        for (int attempt = 2; folder == committed; attempt++) folder = $"{StepFolderPrefix}{step:D8}-{attempt}";
        return folder;
    }

    private async Task<List<string>> ListAsync(string prefix, CancellationToken cancellationToken)
    {
        var paths = new List<string>();
        await foreach (var file in Files.ListAsync(prefix, cancellationToken).ConfigureAwait(false)) paths.Add(file.Path);
        return paths;
    }

    private async Task DeleteAllAsync(string prefix, string? keep, CancellationToken cancellationToken)
    {
        foreach (var path in await ListAsync(prefix, cancellationToken).ConfigureAwait(false))
            if (keep is null || !path.StartsWith(keep, StringComparison.Ordinal))
                await Files.DeleteAsync(path, cancellationToken).ConfigureAwait(false);
    }
}
