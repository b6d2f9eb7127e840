namespace LvmCloud.Platform.Training;

/// <summary>
/// The transformer presets a run may start from scratch with (<c>LlamaPresets</c> in LvmCloud.Vision, which this
/// project cannot reference: the Functions app carries no TorchSharp). A test keeps the two lists equal.
/// </summary>
public static class TransformerPresetNames
{
    public static readonly IReadOnlyList<string> All =
        ["tiny", "fmnist_lm", "fmnist_lm2", "bench_20m", "vqlm_100m", "vqlm_300m", "vqlm_600m", "vqlm_1b", "vqlm_3b", "vqlm_7b"];
}
