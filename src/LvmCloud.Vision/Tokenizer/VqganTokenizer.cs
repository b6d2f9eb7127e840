using LvmCloud.Vision.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tokenizer;

/// <summary>
/// Inference wrapper around a <see cref="VqganModel"/>: images ↔ codes under <c>no_grad</c>, in chunks of at most
/// <see cref="MaxBatchSize"/> images. Inputs may live on any device; results come back on the input's device.
/// </summary>
public sealed class VqganTokenizer : IDisposable
{
    public const string ConfigFileName = "config.json";
    public const int DefaultMaxBatchSize = 16;

    private int maxBatchSize;

    /// <summary>Takes ownership of <paramref name="model"/>, moves it to <paramref name="device"/> (CPU by default) and sets eval mode.</summary>
    public VqganTokenizer(VqganModel model, Device? device = null, int maxBatchSize = DefaultMaxBatchSize)
    {
        Model = model;
        Device = device ?? CPU;
        MaxBatchSize = maxBatchSize;
        Model.to(Device);
        Model.eval();
    }

    /// <summary>
    /// Reads <c>config.json</c> and the weights (safetensors or pytorch_model.bin) from <paramref name="directory"/>:
    /// the model is built on the meta device (no random initialisation) and each weight read from its file straight
    /// into its float32 parameter on <paramref name="device"/> (<see cref="CheckpointLoader.Materialize(nn.Module, string, Device, CheckpointLoadOptions?)"/>).
    /// </summary>
    public static VqganTokenizer Load(string directory, Device? device = null, int maxBatchSize = DefaultMaxBatchSize) =>
        Load(directory, device, maxBatchSize, CheckpointLoadOptions.Default);

    /// <inheritdoc cref="Load(string, Device?, int)"/>
    public static VqganTokenizer Load(string directory, Device? device, int maxBatchSize, CheckpointLoadOptions options)
    {
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"VQGAN tokenizer folder '{directory}' does not exist.");
        var config = VqganConfig.Load(Path.Combine(directory, ConfigFileName));
        var files = CheckpointFiles.Find(directory);
        var model = new VqganModel(config, META);
        try
        {
            var statistics = CheckpointLoader.Materialize(model, files, device ?? CPU, options);
            return new VqganTokenizer(model, device, maxBatchSize) { LoadStatistics = statistics };
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>What loading the weights cost, for a tokenizer made by <see cref="Load(string, Device?, int)"/>; null otherwise.</summary>
    public LoadStatistics? LoadStatistics { get; private init; }

    public VqganModel Model { get; }

    public VqganConfig Config => Model.Config;

    public Device Device { get; }

    /// <summary>Most images (or code rows) sent through the model at once.</summary>
    public int MaxBatchSize
    {
        get => maxBatchSize;
        set => maxBatchSize = value > 0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxBatchSize), value, "The maximum batch size must be at least 1.");
    }

    /// <summary>Images (B, C, H, W) float in [0, 1] → codes (B, (H/f)²) int64.</summary>
    public Tensor Encode(Tensor images)
    {
        VqganShapes.CheckImages(images, Config, nameof(images));
        return Chunked(images, chunk => Model.EncodeToCodes(chunk.to(ScalarType.Float32).to(Device)));
    }

    /// <summary>Codes (B, n), n a square number → images (B, C, √n·f, √n·f) clamped to [0, 1].</summary>
    public Tensor Decode(Tensor codes)
    {
        VqganShapes.CheckCodes(codes, Config, nameof(codes));
        return Chunked(codes, chunk => Model.DecodeToImages(chunk.to(ScalarType.Int64).to(Device)));
    }

    private Tensor Chunked(Tensor input, Func<Tensor, Tensor> run)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var batch = input.shape[0];
        if (batch == 0)
            throw new ArgumentException("The batch is empty (dimension 0 has size 0).", nameof(input));
        var parts = new List<Tensor>();
        for (long start = 0; start < batch; start += MaxBatchSize)
        {
            using var chunkScope = NewDisposeScope();
            var chunk = input.narrow(0, start, Math.Min(MaxBatchSize, batch - start));
            parts.Add(run(chunk).to(input.device).MoveToOuterDisposeScope());
        }

        var result = parts.Count == 1 ? parts[0] : cat(parts, dim: 0);
        return result.MoveToOuterDisposeScope();
    }

    public void Dispose() => Model.Dispose();
}
