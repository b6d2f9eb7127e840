using LvmCloud.Vision.Checkpoints;
using LvmCloud.Vision.Tokenizer;
using LvmCloud.Vision.Transformer;

namespace LvmCloud.Cli.Commands.Tokens;

/// <summary>Loads the models named on the command line; a missing or unreadable folder is the user's input error.</summary>
public static class ModelFolders
{
    public static LlamaForCausalLM Transformer(string directory)
    {
        RequireFolder(directory, "Transformer");
        try
        {
            return LlamaForCausalLM.FromPretrained(directory);
        }
        catch (Exception e) when (e is CheckpointException or NotSupportedException)
        {
            throw new UserInputException($"Transformer folder '{directory}' cannot be loaded: {e.Message}");
        }
    }

    public static VqganTokenizer Tokenizer(string directory)
    {
        RequireFolder(directory, "Tokenizer");
        try
        {
            return VqganTokenizer.Load(directory);
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
