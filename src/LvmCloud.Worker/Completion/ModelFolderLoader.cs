using System.Globalization;
using LvmCloud.Platform.Queues;
using LvmCloud.Vision.Devices;
using LvmCloud.Vision.Memory;
using LvmCloud.Vision.Pipelines;
using Microsoft.Extensions.Logging;

namespace LvmCloud.Worker.Completion;

/// <summary>
/// Loads a model folder found by <see cref="ModelCache"/> onto the worker's placement, turning load failures into the
/// job errors that say whether a retry can help, and logs what was loaded (the memory plan and the rows per
/// generation batch it leaves).
/// </summary>
public static class ModelFolderLoader
{
    /// <summary>The model in <paramref name="folder"/>, loaded on <paramref name="placement"/>.</summary>
    /// <exception cref="ModelDoesNotFitJobException">Its memory plan does not fit this worker (permanent).</exception>
    /// <exception cref="ModelLoadException">The files do not make a model (permanent).</exception>
    public static async Task<LoadedModel> LoadAsync(
        ModelReference reference, string folder, ModelPlacement placement, int? batchRows, ILogger logger, CancellationToken cancellationToken)
    {
        LvmModel model;
        try
        {
            model = await Task.Run(() => LvmModel.Load(folder, placement), cancellationToken);
        }
        catch (ModelDoesNotFitException e)
        {
            // Planned from the configs and headers before anything loaded: another delivery cannot fit it either.
            logger.LogWarning("Model {Model} in {Folder} does not fit this worker: {Refusal}", reference, folder, e.Message);
            throw new ModelDoesNotFitJobException($"Model {reference} does not fit this worker. {e.Message}", e);
        }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException or DirectoryNotFoundException or FormatException
                                      or System.Text.Json.JsonException or ArgumentException or KeyNotFoundException
                                      or Vision.Checkpoints.CheckpointException)
        {
            // The files are there but do not make a model (a corrupt or incomplete checkpoint): retrying cannot help.
            throw new ModelLoadException($"Model {reference} in {folder} cannot be loaded: {e.Message}", e);
        }
        if (model.Plan is { } plan)
        {
            int fit = plan.MaxRows(plan.SequenceLength);
            string rows = plan.Known ? fit.ToString(CultureInfo.InvariantCulture) : "not capped by memory (free memory unknown)";
            logger.LogInformation(
                "Model {Model} loaded from {Folder} on {Placement}: weights {Weights} (transformer {Transformer} + VQGAN {Vqgan}), free before loading {Free} ({Source}); " +
                "rows per generation batch at the full context of {Tokens} tokens: {Rows} fit, {BatchRows} used (Worker:Generate:BatchRows {MaxRows})",
                reference, folder, plan.Describe(), ByteSize.Gb(plan.TransformerBytes + plan.TokenizerBytes), ByteSize.Gb(plan.TransformerBytes), ByteSize.Gb(plan.TokenizerBytes),
                plan.Budget.FreeBytes is { } free ? ByteSize.Gb(free) : "unknown", plan.Budget.Source, plan.SequenceLength, rows,
                batchRows is { } max ? Math.Min(max, fit) : fit, batchRows?.ToString(CultureInfo.InvariantCulture) ?? "unset");
        }
        else
            logger.LogInformation("Model {Model} loaded from {Folder} on {Placement}", reference, folder, placement.Describe(model.Transformer.DType));
        if (model.DescribeLoad() is { } load)
            logger.LogInformation("Model {Model}: {Load}", reference, load);
        return new LoadedModel(reference, model);
    }
}
