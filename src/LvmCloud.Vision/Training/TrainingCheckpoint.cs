using System.Text.Json;
using LvmCloud.Vision.Checkpoints;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Training;

/// <summary>What a run saved at a step, beside the weights and the optimizer state.</summary>
public sealed record TrainingState(int Step, int Seed, string Kind, double LastLoss, Dictionary<string, double>? Extra = null);

/// <summary>
/// A run's latest checkpoint, <c>{run}/checkpoint/</c>: <c>model/</c> (config.json + model.safetensors, loadable
/// as a model folder), <c>optimizer.bin</c> and <c>state.json</c>. Written to a temporary folder and swapped in,
/// so a run killed while saving still has its previous checkpoint.
/// </summary>
public static class TrainingCheckpoint
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static string DirectoryOf(string runDirectory) => Path.Combine(runDirectory, "checkpoint");
    public static string ModelDirectoryOf(string runDirectory) => Path.Combine(DirectoryOf(runDirectory), "model");

    public static void Save(string runDirectory, nn.Module model, Action<string> writeConfig, OptimizerHelper optimizer, TrainingState state)
    {
        string final = DirectoryOf(runDirectory);
        string tmp = final + ".tmp";
        string old = final + ".old";
        if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true);
        Directory.CreateDirectory(Path.Combine(tmp, "model"));
        writeConfig(Path.Combine(tmp, "model", "config.json"));
        CheckpointWriter.Save(model, Path.Combine(tmp, "model"));
        optimizer.save_state_dict(Path.Combine(tmp, "optimizer.bin"));
        File.WriteAllText(Path.Combine(tmp, "state.json"), JsonSerializer.Serialize(state, Json));
        if (Directory.Exists(old)) Directory.Delete(old, recursive: true);
        if (Directory.Exists(final)) Directory.Move(final, old);
        Directory.Move(tmp, final);
        if (Directory.Exists(old)) Directory.Delete(old, recursive: true);
    }

    /// <summary>The saved state, or null when the run has no checkpoint yet.</summary>
    public static TrainingState? ReadState(string runDirectory)
    {
        string dir = DirectoryOf(runDirectory);
        if (!Directory.Exists(dir) && Directory.Exists(dir + ".old")) Directory.Move(dir + ".old", dir); // killed mid-swap
        string path = Path.Combine(dir, "state.json");
        return File.Exists(path) ? JsonSerializer.Deserialize<TrainingState>(File.ReadAllText(path)) : null;
    }

    public static void Restore(string runDirectory, nn.Module model, OptimizerHelper optimizer)
    {
        CheckpointLoader.LoadInto(model, ModelDirectoryOf(runDirectory));
        optimizer.load_state_dict(Path.Combine(DirectoryOf(runDirectory), "optimizer.bin"));
    }
}
