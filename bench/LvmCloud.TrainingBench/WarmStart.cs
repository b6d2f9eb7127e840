using LvmCloud.Core.Storage;
using LvmCloud.Platform.Models;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Storage;
using LvmCloud.Vision.Pipelines;
using LvmCloud.Vision.Training;
using LvmCloud.Vision.Transformer;
using LvmCloud.Worker.Training;

namespace LvmCloud.TrainingBench;

/// <summary>
/// The warm start both arms continue from: <see cref="BenchSettings.WarmStartSteps"/> synchronous steps (batch K·b, its
/// own warmup + cosine schedule, the run's seed) from the preset's initial weights, saved as a model folder
/// (<c>tokenizer/</c> of the tokenizer model, <c>transformer/</c>, <c>lvm.json</c>) that the synchronous continuation
/// loads and the DiLoCo runs name as <c>base: {"model": ...}</c> once <see cref="RegisterAsync"/> has put it in the
/// models container, the way a registered model is stored (<c>lvm.json</c> last).
/// </summary>
internal sealed class WarmStart(string folder, ModelReference reference, double evalLoss)
{
    /// <summary>The model folder (<c>tokenizer/</c>, <c>transformer/</c>, <c>lvm.json</c>).</summary>
    public string Folder => folder;

    /// <summary>The name the DiLoCo runs' <c>base.model</c> gives it.</summary>
    public ModelReference Reference => reference;

    /// <summary>Eval loss of the pre-trained weights (the start of every curve).</summary>
    public double EvalLoss => evalLoss;

    /// <summary>The pre-trained transformer's own folder (config.json + model.safetensors).</summary>
    public string TransformerFolder => Path.Combine(folder, LvmModel.TransformerFolder);

    /// <summary>Pre-trains on <paramref name="train"/> and saves the model under <paramref name="folder"/>, with the tokenizer of <paramref name="tokenizerModel"/>.</summary>
    public static async Task<WarmStart> PretrainAsync(BenchSettings settings, TokenSequences train, TokenSequences eval, string tokenizerModel, string folder)
    {
        var options = settings.SyncOptions(settings.WarmStartSteps, settings.WarmStartWarmup, settings.WarmStartLearningRate);
        using var model = TransformerSource.Initial(LlamaPresets.Get(settings.Preset), settings.Seed, TorchSharp.torch.CPU);
        var (points, wall) = await SyncBaseline.RunAsync(model, options, settings.BatchSize, train, eval, settings.WarmStartSteps, "warm start");
        Console.Error.WriteLine($"warm start: {settings.WarmStartSteps} steps in {wall.TotalSeconds:F0} s, eval loss {points[^1].EvalLoss:F4}");

        var reference = new ModelReference($"fmnist-warm-{Guid.NewGuid():N}"[..20], "1");
        model.SavePretrained(Path.Combine(folder, LvmModel.TransformerFolder));
        CopyFolder(Path.Combine(tokenizerModel, LvmModel.TokenizerFolder), Path.Combine(folder, LvmModel.TokenizerFolder));
        var context = LvmModelSettings.Load(tokenizerModel).ContextFrames;
        new LvmModelSettings(context, reference.Name, reference.Version).Save(folder);
        return new WarmStart(folder, reference, points[^1].EvalLoss!.Value);
    }

    /// <summary>Registers the model as <c>models/{name}/{version}/</c> (tokenizer, transformer, then <c>lvm.json</c>), unless it is there already.</summary>
    public async Task RegisterAsync(StorageClients clients, CancellationToken cancellationToken)
    {
        var target = new BlobStore(clients.Models, ModelRegistry.Prefix(reference));
        if (await target.ExistsAsync(ModelRegistry.SettingsFileName, cancellationToken))
            return;
        await target.UploadFolderAsync(Path.Combine(folder, LvmModel.TokenizerFolder), LvmModel.TokenizerFolder, cancellationToken);
        await target.UploadFolderAsync(TransformerFolder, LvmModel.TransformerFolder, cancellationToken);
        await target.WriteTextAsync(ModelRegistry.SettingsFileName, await File.ReadAllTextAsync(Path.Combine(folder, LvmModelSettings.FileName), cancellationToken),
            ContentTypes.Json, cancellationToken);
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
