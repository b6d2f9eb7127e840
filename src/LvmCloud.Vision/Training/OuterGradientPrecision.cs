namespace LvmCloud.Vision.Training;

/// <summary>
/// How a shard's outer gradient is quantized before upload (<see cref="OuterGradientCodec"/>): the value is the bits
/// per element. Symmetric levels around zero, one float32 scale per block of <see cref="OuterGradientCodec.BlockSize"/>.
/// </summary>
public enum OuterGradientPrecision
{
    /// <summary>Two values per byte, levels −7..7, scale = absmax / 7: error at most absmax / 14 per element.</summary>
    Int4 = 4,

    /// <summary>One value per byte, levels −127..127, scale = absmax / 127: error at most absmax / 254 per element.</summary>
    Int8 = 8,
}
