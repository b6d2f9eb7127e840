namespace LvmCloud.Vision.Tokenizer;

/// <summary>A named VQGAN size with its parameter count.</summary>
public sealed record VqganPreset(string Name, string Description, VqganConfig Config)
{
    public long ParameterCount => VqganParameterCount.Of(Config);
}

/// <summary>Named VQGAN configurations.</summary>
public static class VqganPresets
{
    /// <summary>
    /// LVM's tokenizer: 256×256 RGB, f = 16 → 16×16 = 256 tokens per image, 8192 codes of dimension 64,
    /// no attention anywhere (attn_resolutions empty, no_attn_mid_block).
    /// </summary>
    public static VqganConfig Lvm { get; } = new(
        Resolution: 256, NumChannels: 3, HiddenChannels: 128, ChannelMult: [1, 2, 2, 4, 6], NumResBlocks: 2,
        AttnResolutions: [], NoAttnMidBlock: true, ZChannels: 64, NumEmbeddings: 8192, QuantizedEmbedDim: 64,
        Dropout: 0.0, ResampleWithConv: true, CommitmentCost: 0.25);

    /// <summary>
    /// 32×32 RGB, f = 4 → 8×8 = 64 tokens, 512 codes of dimension 32. Attention at the 8×8 level (active in the
    /// decoder, which has two blocks there) and in the mid block. Small enough to train on CPU (e.g. Fashion-MNIST).
    /// </summary>
    public static VqganConfig Small { get; } = new(
        Resolution: 32, NumChannels: 3, HiddenChannels: 64, ChannelMult: [1, 1, 2], NumResBlocks: 1,
        AttnResolutions: [8], NoAttnMidBlock: false, ZChannels: 64, NumEmbeddings: 512, QuantizedEmbedDim: 32,
        Dropout: 0.0, ResampleWithConv: true, CommitmentCost: 0.25);

    /// <summary>16×16 RGB, f = 2 → 8×8 = 64 tokens, 64 codes of dimension 8. For tests and benchmarks.</summary>
    public static VqganConfig Tiny { get; } = new(
        Resolution: 16, NumChannels: 3, HiddenChannels: 32, ChannelMult: [1, 1], NumResBlocks: 1,
        AttnResolutions: [], NoAttnMidBlock: false, ZChannels: 32, NumEmbeddings: 64, QuantizedEmbedDim: 8,
        Dropout: 0.0, ResampleWithConv: true, CommitmentCost: 0.25);

    /// <summary>
    /// 32×32 RGB, f = 4 → 8×8 = 64 tokens, 512 codes of dimension 16, no attention: the bundled Fashion-MNIST
    /// tokenizer, sized to train in minutes on two CPU cores.
    /// </summary>
    public static VqganConfig Fmnist32 { get; } = new(
        Resolution: 32, NumChannels: 3, HiddenChannels: 32, ChannelMult: [1, 2, 2], NumResBlocks: 1,
        AttnResolutions: [], NoAttnMidBlock: true, ZChannels: 32, NumEmbeddings: 512, QuantizedEmbedDim: 16,
        Dropout: 0.0, ResampleWithConv: true, CommitmentCost: 0.25);

    public static IReadOnlyList<VqganPreset> All { get; } =
    [
        new("lvm", "LVM tokenizer, 256px, f16, 256 tokens, 8192 codes", Lvm),
        new("small", "32px, f4, 64 tokens, 512 codes (CPU training)", Small),
        new("fmnist32", "32px, f4, 64 tokens, 512 codes, no attention (bundled model)", Fmnist32),
        new("tiny", "16px, f2, 64 tokens, 64 codes (tests, benchmarks)", Tiny),
    ];

    /// <summary>The preset called <paramref name="name"/> (case-insensitive).</summary>
    public static VqganConfig ByName(string name) =>
        All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))?.Config
        ?? throw new ArgumentException(
            $"Unknown VQGAN preset '{name}'. Known presets: {string.Join(", ", All.Select(p => p.Name))}.", nameof(name));
}
