using LvmCloud.Vision.Tokenizer;

namespace LvmCloud.Vision.Memory;

/// <summary>
/// What the VQGAN tokenizer costs: its weights, always float32 (<see cref="Devices.ModelPlacement"/> says why), and
/// the activations of one encode or decode batch of <paramref name="BatchImages"/> images. The estimate is
/// conservative: per image, six tensors the size of the largest activation (the widest level's channels x its side
/// squared x 4 bytes; a residual block holds at most about two at once when it frees early, plus oneDNN's reordered
/// copies), plus the attention maps of levels that have attention ((side squared)^2 x 4 bytes).
/// </summary>
/// <param name="Config">The tokenizer's config.json.</param>
/// <param name="BatchImages">Images encoded or decoded together (<see cref="VqganTokenizer.MaxBatchSize"/>).</param>
public sealed record VqganFootprint(VqganConfig Config, int BatchImages = VqganTokenizer.DefaultMaxBatchSize)
{
    /// <summary>Largest activations held at once per image, in units of the largest one.</summary>
    public const int ActivationsPerImage = 6;

    public long ParameterCount => VqganParameterCount.Of(Config);

    /// <summary>The tokenizer of a VQGAN folder (its config.json).</summary>
    public static VqganFootprint Read(string tokenizerDirectory) =>
        new(VqganConfig.Load(Path.Combine(tokenizerDirectory, VqganTokenizer.ConfigFileName)));

    /// <summary>The weights in float32.</summary>
    public long WeightBytes => ParameterCount * 4;

    /// <summary>The activations of one image at their peak.</summary>
    public long ActivationBytesPerImage
    {
        get
        {
            long largest = 0, attention = 0;
            for (int level = 0; level < Config.NumResolutions; level++)
            {
                long side = Config.Resolution >> level;
                long channels = (long)Config.HiddenChannels * Config.ChannelMult[level];
                largest = Math.Max(largest, channels * side * side * 4);
                if (Config.AttnResolutions.Contains((int)side))
                    attention = Math.Max(attention, side * side * side * side * 4);
            }
            long bottom = Config.Resolution >> (Config.NumResolutions - 1);
            if (!Config.NoAttnMidBlock)
                attention = Math.Max(attention, bottom * bottom * bottom * bottom * 4);
            return ActivationsPerImage * largest + attention;
        }
    }

    /// <summary>The activations of one full batch.</summary>
    public long ActivationBytes => ActivationBytesPerImage * BatchImages;
}
