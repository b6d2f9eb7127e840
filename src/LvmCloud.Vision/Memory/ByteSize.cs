using System.Globalization;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Memory;

/// <summary>Byte counts as people read them in plans and messages: decimal gigabytes (1 GB = 10^9 bytes), and dtype widths.</summary>
public static class ByteSize
{
    public const double BytesPerGb = 1e9;

    /// <summary>"26.96 GB" for 26,960,000,000 bytes (two decimals; one below 1 GB shows as "0.59 GB").</summary>
    public static string Gb(long bytes) => (bytes / BytesPerGb).ToString("F2", CultureInfo.InvariantCulture) + " GB";

    /// <summary>Bytes per element of a floating dtype the transformer can be loaded in.</summary>
    /// <exception cref="ArgumentException">Not float64, float32, bfloat16 or float16.</exception>
    public static int Of(ScalarType dtype) => dtype switch
    {
        ScalarType.Float64 => 8,
        ScalarType.Float32 => 4,
        ScalarType.BFloat16 or ScalarType.Float16 => 2,
        _ => throw new ArgumentException($"{dtype} is not a floating weight dtype (float64, float32, bfloat16, float16)."),
    };
}
