using LvmCloud.Vision.Checkpoints;
using LvmCloud.Vision.Devices;
using LvmCloud.Vision.Memory;
using LvmCloud.Vision.Tokenizer;
using LvmCloud.Vision.Transformer;

namespace LvmCloud.Cli.Commands.Tokens;

/// <summary>Loads the models named on the command line; a missing or unreadable folder is the user's input error.</summary>
public static class ModelFolders
{
    /// <summary>
    /// The transformer in <paramref name="directory"/>, on <paramref name="placement"/>'s device and in the dtype its
    /// memory plan chooses for <paramref name="rows"/> rows of <paramref name="sequenceLength"/> tokens (default: one row
    /// of its max_position_embeddings; a longer length is planned at that, the command refuses it after loading).
    /// </summary>
    /// <exception cref="ModelDoesNotFitException">The rows do not fit; nothing is loaded.</exception>
    public static LlamaForCausalLM Transformer(string directory, ModelPlacement placement, int? sequenceLength = null, int rows = 1)
    {
        RequireFolder(directory, "Transformer");
        try
        {
            var config = LlamaConfig.Load(directory);
            var plan = placement.PlanTransformer(directory, Math.Min(sequenceLength ?? config.MaxPositionEmbeddings, config.MaxPositionEmbeddings));
            return placement.LoadTransformer(directory, plan.EnsureFits(rows));
        }
        catch (Exception e) when (e is CheckpointException or NotSupportedException)
        {
            throw new UserInputException($"Transformer folder '{directory}' cannot be loaded: {e.Message}");
        }
    }

    /// <summary>The VQGAN in <paramref name="directory"/>, on <paramref name="placement"/>'s device (float32).</summary>
    public static VqganTokenizer Tokenizer(string directory, ModelPlacement placement, int maxBatchSize = VqganTokenizer.DefaultMaxBatchSize)
    {
        RequireFolder(directory, "Tokenizer");
        try
        {
            return placement.LoadTokenizer(directory, maxBatchSize);
        }
        catch (Exception e) when (e is CheckpointException or NotSupportedException)
        {
            throw new UserInputException($"Tokenizer folder '{directory}' cannot be loaded: {e.Message}");
        }
    }

    private static void RequireFolder(string directory, string what)
    {
        if (!Directory.Exists(directory))
            throw new UserInputException($"{what} folder '{directory}' does not exist.");
    }
}
