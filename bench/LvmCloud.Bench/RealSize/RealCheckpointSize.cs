using LvmCloud.Vision.Checkpoints;
using LvmCloud.Vision.Transformer;

namespace LvmCloud.Bench.RealSize;

/// <summary>
/// A size of random-weight checkpoint that <c>make-checkpoint</c> writes: the transformer's shape (a <c>vqlm_*</c>
/// preset stored as float16, as LVM's release is) and the shard limit it is split with.
/// </summary>
/// <param name="Name">What the command line calls it: <c>small</c>, <c>1b</c>, <c>7b</c>.</param>
/// <param name="Preset">The <see cref="LlamaPresets"/> name of its shape.</param>
/// <param name="MaxShardBytes">The split's limit: the release's 5 GB, or less so that a small checkpoint is sharded too.</param>
public sealed record RealCheckpointSize(string Name, string Preset, long MaxShardBytes, string Description)
{
    public static IReadOnlyList<RealCheckpointSize> All { get; } =
    [
        new("small", "vqlm_100m", 100_000_000, "vqlm_100m shape, three shards of at most 100 MB (for trying the rows)"),
        new("1b", "vqlm_1b", HfShardPlan.FiveGigabytes, "vqlm_1b shape, one ~2.3 GB file"),
        new("7b", "vqlm_7b", HfShardPlan.FiveGigabytes, "LVM 7B release layout, three shards of ~5.0, 4.9 and 3.2 GB"),
    ];

    /// <summary>The transformer config, recorded as float16 like the release's.</summary>
    public LlamaConfig Config => LlamaPresets.Get(Preset) with { TorchDtype = "float16" };

    public static RealCheckpointSize ByName(string name) =>
        All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown checkpoint size '{name}'; use one of {string.Join(", ", All.Select(s => s.Name))}.");
}
