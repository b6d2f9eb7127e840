using TorchSharp;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Devices;

/// <summary>
/// The dtype a transformer's weights are loaded in (<c>--dtype</c>, <c>Worker:DType</c>): <c>auto</c> keeps a half-precision
/// checkpoint (fp16/bf16) in its stored dtype on CUDA and loads everything as float32 on the CPU, where half precision
/// does not pay with libtorch's kernels; <c>float32</c>, <c>bfloat16</c> or <c>float16</c> force one. Whatever the
/// weights' dtype, RMSNorm normalises in float32 and the logits come out float32.
/// </summary>
public static class WeightDType
{
    public const string Auto = "auto";
    public const string Float32 = "float32";
    public const string BFloat16 = "bfloat16";
    public const string Float16 = "float16";

    /// <summary>Every accepted name, in the order help texts list them.</summary>
    public static IReadOnlyList<string> Names { get; } = [Auto, Float32, BFloat16, Float16];

    /// <summary>What is wrong with <paramref name="choice"/>, or null; <paramref name="setting"/> names it in the message.</summary>
    public static string? Problem(string? choice, string setting) =>
        choice is not null && Names.Contains(choice) ? null : $"{setting} must be one of {string.Join(", ", Names)}, got '{choice}'.";

    /// <summary>
    /// The dtype to load weights stored as <paramref name="stored"/> in, on <paramref name="device"/>: an explicit choice as
    /// named; <c>auto</c> the stored dtype on CUDA when it is fp16 or bf16, else float32.
    /// </summary>
    /// <exception cref="ArgumentException">Not one of <see cref="Names"/>.</exception>
    public static ScalarType Resolve(string? choice, Device device, ScalarType stored) => choice switch
    {
        Float32 => ScalarType.Float32,
        BFloat16 => ScalarType.BFloat16,
        Float16 => ScalarType.Float16,
        Auto when device.type == DeviceType.CUDA && stored is ScalarType.BFloat16 or ScalarType.Float16 => stored,
        Auto => ScalarType.Float32,
        _ => throw new ArgumentException(Problem(choice, "dtype")),
    };

    /// <summary>The name of <paramref name="dtype"/> as <see cref="Names"/> spells it (<c>bfloat16</c>), for log lines and reports.</summary>
    public static string NameOf(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => Float32,
        ScalarType.BFloat16 => BFloat16,
        ScalarType.Float16 => Float16,
        _ => dtype.ToString().ToLowerInvariant(),
    };
}
