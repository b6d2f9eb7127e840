using static TorchSharp.torch;

namespace LvmCloud.Vision.Checkpoints;

/// <summary>
/// The floating-point dtype a checkpoint's weights are stored in, read from the files' own descriptions without
/// loading a tensor: the safetensors headers' <c>dtype</c> fields, the <c>torch.*Storage</c> types a <c>torch.save</c>
/// pickle names. Each file passes its safety check first (<see cref="SafetensorsCheck"/>, <see cref="PickleCheck"/>).
/// </summary>
public static class StoredDType
{
    private static readonly Dictionary<string, ScalarType> SafetensorsFloats = new(StringComparer.Ordinal)
    {
        ["F64"] = ScalarType.Float64,
        ["F32"] = ScalarType.Float32,
        ["F16"] = ScalarType.Float16,
        ["BF16"] = ScalarType.BFloat16,
    };

    private static readonly Dictionary<string, ScalarType> PickleFloats = new(StringComparer.Ordinal)
    {
        ["DoubleStorage"] = ScalarType.Float64,
        ["FloatStorage"] = ScalarType.Float32,
        ["HalfStorage"] = ScalarType.Float16,
        ["BFloat16Storage"] = ScalarType.BFloat16,
    };

    /// <summary>
    /// The floating dtype that holds most of the weights' elements over all files (a checkpoint that keeps a few small
    /// tensors in float32 beside bf16 matrices is a bf16 checkpoint); float32 when it has no floating tensor. A tie
    /// goes to the wider type.
    /// </summary>
    /// <exception cref="CheckpointException">A file fails its check.</exception>
    public static ScalarType Of(CheckpointFiles files)
    {
        var elements = new Dictionary<ScalarType, long>();
        foreach (var path in files.Paths)
        {
            var (counts, floats) = files.Format == CheckpointFormat.Safetensors
                ? (SafetensorsCheck.DTypeElements(path), SafetensorsFloats)
                : (PickleCheck.StorageElements(path), PickleFloats);
            foreach (var (name, count) in counts)
                if (floats.TryGetValue(name, out var dtype))
                    elements[dtype] = elements.GetValueOrDefault(dtype) + count;
        }
        return elements.Count == 0
            ? ScalarType.Float32
            : elements.OrderByDescending(e => e.Value).ThenByDescending(e => Width(e.Key)).First().Key;
    }

    /// <summary>The stored dtype of the weights in <paramref name="directory"/> (<see cref="CheckpointFiles.Find"/>).</summary>
    public static ScalarType Of(string directory) => Of(CheckpointFiles.Find(directory));

    private static int Width(ScalarType dtype) => dtype switch
    {
        ScalarType.Float64 => 8,
        ScalarType.Float32 => 4,
        _ => 2,
    };
}
