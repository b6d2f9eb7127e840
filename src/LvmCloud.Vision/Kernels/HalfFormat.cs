namespace LvmCloud.Vision.Kernels;

/// <summary>How a 16-bit weight element encodes its value.</summary>
public enum HalfFormat
{
    /// <summary>bfloat16: the high 16 bits of a float32 (8-bit exponent, 7-bit mantissa).</summary>
    BFloat16,

    /// <summary>IEEE binary16 (<see cref="Half"/>): 5-bit exponent, 10-bit mantissa.</summary>
    Float16,
}
