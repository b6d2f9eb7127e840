namespace LvmCloud.Vision.Transformer;

/// <summary>One named model size, with its parameter count computed from the config.</summary>
public sealed record LlamaPreset(string Name, LlamaConfig Config, string Description)
{
    public long ParameterCount => Config.ParameterCount;
}

/// <summary>
/// Named model sizes. The <c>vqlm_*</c> sizes are LVM's (EasyLM <c>LLAMA_STANDARD_CONFIGS</c>):
/// 8292 ids (8192 VQ codes + 100 specials), a 4096-token context (16 images of 256 tokens),
/// multi-head attention, untied head, rms_norm_eps 1e-6, rope_theta 10000.
/// </summary>
public static class LlamaPresets
{
    /// <summary>8192 VQGAN codes + 100 special ids.</summary>
    public const int LvmVocabSize = 8292;

    /// <summary>16 images of 16×16 tokens.</summary>
    public const int LvmContext = 4096;

    private static LlamaConfig Lvm(int hidden, int intermediate, int layers, int heads) =>
        new(LvmVocabSize, hidden, intermediate, layers, heads, heads, MaxPositionEmbeddings: LvmContext);

    public static IReadOnlyList<LlamaPreset> All { get; } =
    [
        new("tiny", new LlamaConfig(512, 64, 172, 2, 4, 2, MaxPositionEmbeddings: 512),
            "test size: 2 layers, width 64, grouped-query attention"),
        new("fmnist_lm", new LlamaConfig(512, 192, 512, 4, 6, 6, MaxPositionEmbeddings: 256),
            "bundled model v1: 512 codes, 4 frames of 64 tokens, ~2M parameters"),
        new("fmnist_lm2", new LlamaConfig(512, 256, 704, 6, 8, 8, MaxPositionEmbeddings: 256),
            "bundled model v2: 512 codes, 4 frames of 64 tokens, width 256, 6 layers, ~5M parameters"),
        new("bench_20m", new LlamaConfig(LvmVocabSize, 384, 1024, 8, 6, 6, MaxPositionEmbeddings: LvmContext),
            "benchmark size with LVM's vocabulary and context"),
        new("vqlm_100m", Lvm(640, 1664, 22, 10), "LVM 100M"),
        new("vqlm_300m", Lvm(1024, 2688, 22, 8), "LVM 300M"),
        new("vqlm_600m", Lvm(1536, 4096, 22, 16), "LVM 600M"),
        new("vqlm_1b", Lvm(2048, 5504, 22, 16), "LVM 1B"),
        new("vqlm_3b", Lvm(3200, 8640, 26, 32), "LVM 3B"),
        new("vqlm_7b", Lvm(4096, 11008, 32, 32), "LVM 7B"),
    ];

    public static LlamaConfig Get(string name) =>
        All.FirstOrDefault(p => p.Name == name)?.Config
        ?? throw new ArgumentException(
            $"Unknown model preset '{name}'. Known presets: {string.Join(", ", All.Select(p => p.Name))}.", nameof(name));
}
