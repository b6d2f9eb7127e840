using System.Text.Json;
using LvmCloud.Core.Storage;
using LvmCloud.Platform;
using LvmCloud.Platform.Models;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Storage;
using LvmCloud.Platform.Training;
using LvmCloud.Vision.Pipelines;
using LvmCloud.Vision.Transformer;
using Microsoft.Extensions.Logging;

namespace LvmCloud.Worker.Training;

/// <summary>
/// Registers a finished run's model as <c>models/{name}/{version}/</c>: the tokenizer of the base (or tokenizer) model,
/// the last round's merged transformer, <c>loss.png</c>, <c>training.json</c>, a model card (<c>README.md</c>) and,
/// last, <c>lvm.json</c>: the model counts as registered (and batches may name it) only once everything else is there.
/// Registering again for the same run rewrites the same files; a model registered by anything else is never touched.
/// </summary>
public sealed class ModelRegistrar(
    StorageClients clients,
    TrainingStateStore state,
    TransformerSource transformers,
    TimeProvider time,
    ILogger<ModelRegistrar> logger)
{
    public async Task<ModelReference> RegisterAsync(RunDefinition run, RunEntity row, CancellationToken cancellationToken)
    {
        var spec = run.Spec;
        var output = spec.Output!;
        var target = new BlobStore(clients.Models, ModelRegistry.Prefix(output));
        if (await target.ExistsAsync(ModelRegistry.SettingsFileName, cancellationToken))
        {
            var existing = await target.TryReadAllTextAsync(ModelRegistry.TrainingFileName, cancellationToken);
            var record = existing is null ? null : JsonSerializer.Deserialize<ModelTrainingRecord>(existing, PlatformJson.Web);
            if (record?.RunId == run.RunId)
                return output;
            throw new PermanentJobException($"Model {output} was registered by something else while run {run.RunId} trained; the trained weights stay in training/{TrainingLayout.BasePrefix(run.RunId, spec.Rounds)}.");
        }

        var (tokenizerFolder, tokenizer) = await transformers.TokenizerAsync(run, cancellationToken);
        await target.UploadFolderAsync(tokenizerFolder, LvmModel.TokenizerFolder, cancellationToken);

        var trained = new BlobStore(clients.Training, TrainingLayout.BasePrefix(run.RunId, spec.Rounds) + TrainingLayout.BaseModelFolder);
        var transformerStore = target.Under(LvmModel.TransformerFolder);
        await foreach (var file in trained.ListAsync("", cancellationToken))
        {
            await using var stream = await trained.OpenReadAsync(file.Path, cancellationToken);
            await transformerStore.WriteAsync(file.Path, stream, ContentTypes.For(file.Path), cancellationToken);
        }
        var config = LlamaConfig.FromJson(await trained.ReadAllTextAsync("config.json", cancellationToken));

        var source = LvmModelSettings.Load(await transformers.LocateAsync(spec.Base!.TokenizerSource!, cancellationToken));
        var fits = config.MaxPositionEmbeddings / tokenizer.TokensPerImage;
        var contextFrames = Math.Min(spec.Base.ContextFrames ?? source.ContextFrames, fits);
        if (contextFrames < 2)
            throw new PermanentJobException($"Model {output}: the transformer's context of {config.MaxPositionEmbeddings} tokens holds {fits} images of {tokenizer.TokensPerImage} tokens; a model needs at least 2.");

        var rounds = await state.GetRoundsAsync(run.RunId, cancellationToken);
        var merged = rounds.Where(r => r.State == RoundStates.Merged).OrderBy(r => r.Round).ToList();
        var history = merged.Select(r => new ModelTrainingRound(r.Round, r.TrainLoss, r.EvalLoss, r.Tokens,
            r.MergedAt is { } at ? (at - r.StartedAt).TotalSeconds : 0)).ToList();
        var training = new ModelTrainingRecord(run.RunId, spec.Base.ToString(), spec.Rounds, spec.ShardsPerRound, spec.InnerSteps,
            merged.Sum(r => r.Tokens), merged.LastOrDefault()?.TrainLoss, merged.LastOrDefault()?.EvalLoss, row.CreatedAt, time.GetUtcNow(), history);

        await target.WriteBytesAsync(TrainingLayout.LossPlotFileName, TrainingLossPlot.Render(run.RunId, spec.InnerSteps, rounds), ContentTypes.Png, cancellationToken);
        await target.WriteTextAsync(ModelRegistry.TrainingFileName, JsonSerializer.Serialize(training, PlatformJson.Web), cancellationToken: cancellationToken);
        await target.WriteTextAsync(ModelRegistry.CardFileName, ModelCard.Render(output, spec, run.Plan, training, contextFrames, config.ParameterCount), cancellationToken: cancellationToken);
        var settings = new LvmModelSettings(contextFrames, output.Name, output.Version);
        await target.WriteTextAsync(ModelRegistry.SettingsFileName, JsonSerializer.Serialize(settings, new JsonSerializerOptions { WriteIndented = true }), cancellationToken: cancellationToken);
        logger.LogInformation("Run {RunId}: model {Model} registered ({Frames} frames of context, eval loss {Eval})", run.RunId, output, contextFrames, training.EvalLoss);
        return output;
    }
}
