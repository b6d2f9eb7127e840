using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LvmCloud.Vision.Kernels;

/// <summary>
/// Widening of 16-bit weight elements to float32, as static members so the kernel's generic loops are specialised per
/// format by the JIT (no branch per element). Each element arrives zero-extended in the low 16 bits of a 32-bit lane.
/// </summary>
internal interface IHalfBits
{
    static abstract float ToSingle(ushort bits);
    static abstract Vector512<float> ToSingle(Vector512<uint> bits);
    static abstract Vector256<float> ToSingle(Vector256<uint> bits);
}

/// <summary>bfloat16 is the top half of a float32: a 16-bit left shift.</summary>
internal readonly struct BFloat16Bits : IHalfBits
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToSingle(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ToSingle(Vector512<uint> bits) => Vector512.ShiftLeft(bits, 16).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ToSingle(Vector256<uint> bits) => Vector256.ShiftLeft(bits, 16).AsSingle();
}

/// <summary>
/// IEEE half to float32 without F16C (which .NET does not expose): exponent and mantissa moved into float32 position,
/// then scaled by 2¹¹² to rebias the exponent (exact, subnormal halves included); infinities and NaNs get the all-ones
/// exponent; the sign goes back on last. Seven vector operations per 16 weights.
/// </summary>
internal readonly struct Float16Bits : IHalfBits
{
    private const uint Rebias = (127 + 112) << 23; // 2¹¹² as float32 bits

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToSingle(ushort bits) => (float)BitConverter.UInt16BitsToHalf(bits);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ToSingle(Vector512<uint> bits)
    {
        var magnitude = Vector512.ShiftLeft(bits & Vector512.Create(0x7FFFu), 13);
        var scaled = magnitude.AsSingle() * Vector512.Create(Rebias).AsSingle();
        var infOrNan = Vector512.Equals(bits & Vector512.Create(0x7C00u), Vector512.Create(0x7C00u));
        var value = Vector512.ConditionalSelect(infOrNan, magnitude | Vector512.Create(0x7F800000u), scaled.AsUInt32());
        return (value | Vector512.ShiftLeft(bits & Vector512.Create(0x8000u), 16)).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ToSingle(Vector256<uint> bits)
    {
        var magnitude = Vector256.ShiftLeft(bits & Vector256.Create(0x7FFFu), 13);
        var scaled = magnitude.AsSingle() * Vector256.Create(Rebias).AsSingle();
        var infOrNan = Vector256.Equals(bits & Vector256.Create(0x7C00u), Vector256.Create(0x7C00u));
        var value = Vector256.ConditionalSelect(infOrNan, magnitude | Vector256.Create(0x7F800000u), scaled.AsUInt32());
        return (value | Vector256.ShiftLeft(bits & Vector256.Create(0x8000u), 16)).AsSingle();
    }
}
