using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LvmCloud.Vision.Kernels;

/// <summary>
/// y = x · Wᵀ for a few float32 rows x and a bfloat16 or float16 weight W, read in place: the decode step's linear layer
/// on the CPU. Each weight row is read from memory once for all rows of x and widened to float32 in registers (a shift
/// for bfloat16, a few integer operations for float16), then multiplied and accumulated in float32. A step at batch 1 is
/// bound by reading the weights, so this runs near the memory's read rate, where libtorch 2.10's half-precision CPU
/// kernels run at about half the float32 rate. Costs: rows × weights multiply-adds; beyond about 16 rows the
/// multiplications, not the reads, dominate and a GEMM is the better tool.
/// </summary>
public static unsafe class HalfGemv
{
    /// <summary>Rows of x multiplied together against one weight row held in registers.</summary>
    private const int RowBlock = 4;

    /// <summary>
    /// Weight rows multiplied together against the same rows of x on the 512-bit path: each x value loaded serves four
    /// outputs, so the activations (which at 8-16 rows of 4096+ inputs no longer fit the L1 cache) are read from L2 a
    /// quarter as often, and one row has eight independent accumulator chains. Without it 8 rows ran at the speed of
    /// libtorch's half-precision linear and one row at about half the rate of four.
    /// </summary>
    private const int OutBlock = 4;

    /// <summary>The widest path this CPU accelerates.</summary>
    public static HalfGemvPath Widest { get; } =
        Vector512.IsHardwareAccelerated ? HalfGemvPath.Vector512
        : Vector256.IsHardwareAccelerated && Fma.IsSupported ? HalfGemvPath.Vector256
        : HalfGemvPath.Scalar;

    /// <summary><paramref name="path"/> as it will run: <see cref="HalfGemvPath.Auto"/> becomes <see cref="Widest"/>.</summary>
    /// <exception cref="PlatformNotSupportedException">The CPU does not accelerate the vector width asked for.</exception>
    public static HalfGemvPath Resolve(HalfGemvPath path) => path switch
    {
        HalfGemvPath.Auto => Widest,
        HalfGemvPath.Vector512 when !Vector512.IsHardwareAccelerated =>
            throw new PlatformNotSupportedException("HalfGemv path Vector512 needs AVX-512, which this CPU (or runtime) does not accelerate; use Auto."),
        HalfGemvPath.Vector256 when !(Vector256.IsHardwareAccelerated && Fma.IsSupported) =>
            throw new PlatformNotSupportedException("HalfGemv path Vector256 needs AVX2 with FMA, which this CPU (or runtime) does not accelerate; use Auto."),
        _ => path,
    };

    /// <summary>Computes the outputs <c>y[.., outStart..outEnd)</c> for every row. Callers split the outputs across threads.</summary>
    /// <param name="path">A resolved path (see <see cref="Resolve"/>); never <see cref="HalfGemvPath.Auto"/>.</param>
    public static void Compute(in HalfGemvArgs args, int outStart, int outEnd, HalfGemvPath path)
    {
        if (args.Format == HalfFormat.BFloat16)
            Compute<BFloat16Bits>(args, outStart, outEnd, path);
        else
            Compute<Float16Bits>(args, outStart, outEnd, path);
    }

    /// <summary>Widens <paramref name="count"/> 16-bit values to float32 (the activations, once per call).</summary>
    public static void Widen(ushort* source, HalfFormat format, float* destination, long count)
    {
        if (format == HalfFormat.BFloat16)
            Widen<BFloat16Bits>(source, destination, count);
        else
            Widen<Float16Bits>(source, destination, count);
    }

    private static void Compute<T>(in HalfGemvArgs a, int outStart, int outEnd, HalfGemvPath path) where T : struct, IHalfBits
    {
        int n = a.InFeatures;
        int o = outStart;
        if (path == HalfGemvPath.Vector512)
            for (; o + OutBlock <= outEnd; o += OutBlock)
                Compute4x4x512<T>(a, o);
        for (; o < outEnd; o++)
        {
            ushort* w = a.Weight + (long)o * n;
            float bias = a.Bias == null ? 0f : T.ToSingle(a.Bias[o]);
            int r = 0;
            for (; r + RowBlock <= a.Rows; r += RowBlock)
            {
                var sums = path switch
                {
                    HalfGemvPath.Vector512 => Dot4x512<T>(w, a.X + (long)r * n, n),
                    HalfGemvPath.Vector256 => Dot4x256<T>(w, a.X + (long)r * n, n),
                    _ => Dot4Scalar<T>(w, a.X + (long)r * n, n),
                };
                for (int k = 0; k < RowBlock; k++)
                    Store(a, (long)(r + k) * a.OutFeatures + o, sums.GetElement(k) + bias);
            }
            for (; r < a.Rows; r++)
            {
                float sum = path switch
                {
                    HalfGemvPath.Vector512 => Dot1x512<T>(w, a.X + (long)r * n, n),
                    HalfGemvPath.Vector256 => Dot1x256<T>(w, a.X + (long)r * n, n),
                    _ => Dot1Scalar<T>(w, a.X + (long)r * n, n),
                };
                Store(a, (long)r * a.OutFeatures + o, sum + bias);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(in HalfGemvArgs a, long index, float value)
    {
        switch (a.Output)
        {
            case GemvOutput.Float32: ((float*)a.Y)[index] = value; break;
            case GemvOutput.BFloat16: ((ushort*)a.Y)[index] = ToBFloat16(value); break;
            default: ((ushort*)a.Y)[index] = BitConverter.HalfToUInt16Bits((Half)value); break;
        }
    }

    /// <summary>float32 to bfloat16, rounding to nearest even as libtorch does (NaN stays NaN).</summary>
    public static ushort ToBFloat16(float value)
    {
        if (float.IsNaN(value)) return 0x7FC0;
        uint bits = BitConverter.SingleToUInt32Bits(value);
        return (ushort)((bits + 0x7FFFu + ((bits >> 16) & 1)) >> 16);
    }

    /// <summary>Outputs <c>[o, o + 4)</c> for every row: 4 × 4 blocks of rows, then the rows left over one at a time.</summary>
    private static void Compute4x4x512<T>(in HalfGemvArgs a, int o) where T : struct, IHalfBits
    {
        int n = a.InFeatures;
        ushort* w = a.Weight + (long)o * n;
        var sums = stackalloc float[OutBlock * RowBlock];
        int r = 0;
        for (; r + RowBlock <= a.Rows; r += RowBlock)
        {
            Dot4x4x512<T>(w, a.X + (long)r * n, n, sums);
            for (int j = 0; j < OutBlock; j++)
            {
                float bias = a.Bias == null ? 0f : T.ToSingle(a.Bias[o + j]);
                for (int k = 0; k < RowBlock; k++)
                    Store(a, (long)(r + k) * a.OutFeatures + o + j, sums[j * RowBlock + k] + bias);
            }
        }
        for (; r < a.Rows; r++)
        {
            var row = Dot4x1x512<T>(w, a.X + (long)r * n, n);
            for (int j = 0; j < OutBlock; j++)
                Store(a, (long)r * a.OutFeatures + o + j, row.GetElement(j) + (a.Bias == null ? 0f : T.ToSingle(a.Bias[o + j])));
        }
    }

    /// <summary>Four dot products: weight rows <c>w + j·n</c> (j &lt; 4) by one x row, two accumulators each.</summary>
    private static Vector128<float> Dot4x1x512<T>(ushort* w, float* x, int n) where T : struct, IHalfBits
    {
        ushort* w1 = w + n, w2 = w1 + n, w3 = w2 + n;
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, b0 = default, b1 = default, b2 = default, b3 = default;
        int i = 0;
        for (; i <= n - 32; i += 32)
        {
            var xl = Vector512.Load(x + i);
            var xh = Vector512.Load(x + i + 16);
            a0 = Vector512.FusedMultiplyAdd(Widen16<T>(w + i), xl, a0); b0 = Vector512.FusedMultiplyAdd(Widen16<T>(w + i + 16), xh, b0);
            a1 = Vector512.FusedMultiplyAdd(Widen16<T>(w1 + i), xl, a1); b1 = Vector512.FusedMultiplyAdd(Widen16<T>(w1 + i + 16), xh, b1);
            a2 = Vector512.FusedMultiplyAdd(Widen16<T>(w2 + i), xl, a2); b2 = Vector512.FusedMultiplyAdd(Widen16<T>(w2 + i + 16), xh, b2);
            a3 = Vector512.FusedMultiplyAdd(Widen16<T>(w3 + i), xl, a3); b3 = Vector512.FusedMultiplyAdd(Widen16<T>(w3 + i + 16), xh, b3);
        }
        float t0 = 0f, t1 = 0f, t2 = 0f, t3 = 0f;
        for (; i < n; i++)
        {
            t0 += T.ToSingle(w[i]) * x[i];
            t1 += T.ToSingle(w1[i]) * x[i];
            t2 += T.ToSingle(w2[i]) * x[i];
            t3 += T.ToSingle(w3[i]) * x[i];
        }
        return Vector128.Create(Vector512.Sum(a0 + b0) + t0, Vector512.Sum(a1 + b1) + t1, Vector512.Sum(a2 + b2) + t2, Vector512.Sum(a3 + b3) + t3);
    }

    /// <summary>Sixteen dot products: weight rows <c>w + j·n</c> (j &lt; 4) by x rows <c>x0 + k·n</c> (k &lt; 4), into <c>sums[j·4 + k]</c>.</summary>
    private static void Dot4x4x512<T>(ushort* w, float* x0, int n, float* sums) where T : struct, IHalfBits
    {
        ushort* w1 = w + n, w2 = w1 + n, w3 = w2 + n;
        float* x1 = x0 + n, x2 = x1 + n, x3 = x2 + n;
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default, a10 = default, a11 = default, a12 = default, a13 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default, a30 = default, a31 = default, a32 = default, a33 = default;
        int i = 0;
        for (; i <= n - 16; i += 16)
        {
            var v0 = Widen16<T>(w + i);
            var v1 = Widen16<T>(w1 + i);
            var v2 = Widen16<T>(w2 + i);
            var v3 = Widen16<T>(w3 + i);
            var x = Vector512.Load(x0 + i);
            a00 = Vector512.FusedMultiplyAdd(v0, x, a00); a10 = Vector512.FusedMultiplyAdd(v1, x, a10);
            a20 = Vector512.FusedMultiplyAdd(v2, x, a20); a30 = Vector512.FusedMultiplyAdd(v3, x, a30);
            x = Vector512.Load(x1 + i);
            a01 = Vector512.FusedMultiplyAdd(v0, x, a01); a11 = Vector512.FusedMultiplyAdd(v1, x, a11);
            a21 = Vector512.FusedMultiplyAdd(v2, x, a21); a31 = Vector512.FusedMultiplyAdd(v3, x, a31);
            x = Vector512.Load(x2 + i);
            a02 = Vector512.FusedMultiplyAdd(v0, x, a02); a12 = Vector512.FusedMultiplyAdd(v1, x, a12);
            a22 = Vector512.FusedMultiplyAdd(v2, x, a22); a32 = Vector512.FusedMultiplyAdd(v3, x, a32);
            x = Vector512.Load(x3 + i);
            a03 = Vector512.FusedMultiplyAdd(v0, x, a03); a13 = Vector512.FusedMultiplyAdd(v1, x, a13);
            a23 = Vector512.FusedMultiplyAdd(v2, x, a23); a33 = Vector512.FusedMultiplyAdd(v3, x, a33);
        }
        var t0 = TailDot4<T>(w, x0, n, i);
        var t1 = TailDot4<T>(w1, x0, n, i);
        var t2 = TailDot4<T>(w2, x0, n, i);
        var t3 = TailDot4<T>(w3, x0, n, i);
        (Vector128.Create(Vector512.Sum(a00), Vector512.Sum(a01), Vector512.Sum(a02), Vector512.Sum(a03)) + t0).Store(sums);
        (Vector128.Create(Vector512.Sum(a10), Vector512.Sum(a11), Vector512.Sum(a12), Vector512.Sum(a13)) + t1).Store(sums + 4);
        (Vector128.Create(Vector512.Sum(a20), Vector512.Sum(a21), Vector512.Sum(a22), Vector512.Sum(a23)) + t2).Store(sums + 8);
        (Vector128.Create(Vector512.Sum(a30), Vector512.Sum(a31), Vector512.Sum(a32), Vector512.Sum(a33)) + t3).Store(sums + 12);
    }

    /// <summary>Sixteen weights widened to float32 in one 512-bit register.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Widen16<T>(ushort* w) where T : struct, IHalfBits =>
        T.ToSingle(Avx512F.ConvertToVector512UInt32(Vector256.Load(w)));

    private static float Dot1x512<T>(ushort* w, float* x, int n) where T : struct, IHalfBits
    {
        Vector512<float> acc0 = default, acc1 = default;
        int i = 0;
        for (; i <= n - 32; i += 32)
        {
            var (lo, hi) = Vector512.Widen(Vector512.Load(w + i));
            acc0 = Vector512.FusedMultiplyAdd(T.ToSingle(lo), Vector512.Load(x + i), acc0);
            acc1 = Vector512.FusedMultiplyAdd(T.ToSingle(hi), Vector512.Load(x + i + 16), acc1);
        }
        float sum = Vector512.Sum(acc0 + acc1);
        for (; i < n; i++) sum += T.ToSingle(w[i]) * x[i];
        return sum;
    }

    private static Vector128<float> Dot4x512<T>(ushort* w, float* x0, int n) where T : struct, IHalfBits
    {
        float* x1 = x0 + n, x2 = x1 + n, x3 = x2 + n;
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, b0 = default, b1 = default, b2 = default, b3 = default;
        int i = 0;
        for (; i <= n - 32; i += 32)
        {
            var (lo, hi) = Vector512.Widen(Vector512.Load(w + i));
            var wl = T.ToSingle(lo);
            var wh = T.ToSingle(hi);
            a0 = Vector512.FusedMultiplyAdd(wl, Vector512.Load(x0 + i), a0);
            b0 = Vector512.FusedMultiplyAdd(wh, Vector512.Load(x0 + i + 16), b0);
            a1 = Vector512.FusedMultiplyAdd(wl, Vector512.Load(x1 + i), a1);
            b1 = Vector512.FusedMultiplyAdd(wh, Vector512.Load(x1 + i + 16), b1);
            a2 = Vector512.FusedMultiplyAdd(wl, Vector512.Load(x2 + i), a2);
            b2 = Vector512.FusedMultiplyAdd(wh, Vector512.Load(x2 + i + 16), b2);
            a3 = Vector512.FusedMultiplyAdd(wl, Vector512.Load(x3 + i), a3);
            b3 = Vector512.FusedMultiplyAdd(wh, Vector512.Load(x3 + i + 16), b3);
        }
        var sums = Vector128.Create(Vector512.Sum(a0 + b0), Vector512.Sum(a1 + b1), Vector512.Sum(a2 + b2), Vector512.Sum(a3 + b3));
        return sums + TailDot4<T>(w, x0, n, i);
    }

    private static float Dot1x256<T>(ushort* w, float* x, int n) where T : struct, IHalfBits
    {
        Vector256<float> acc0 = default, acc1 = default;
        int i = 0;
        for (; i <= n - 16; i += 16)
        {
            var (lo, hi) = Vector256.Widen(Vector256.Load(w + i));
            acc0 = Vector256.FusedMultiplyAdd(T.ToSingle(lo), Vector256.Load(x + i), acc0);
            acc1 = Vector256.FusedMultiplyAdd(T.ToSingle(hi), Vector256.Load(x + i + 8), acc1);
        }
        float sum = Vector256.Sum(acc0 + acc1);
        for (; i < n; i++) sum += T.ToSingle(w[i]) * x[i];
        return sum;
    }

    private static Vector128<float> Dot4x256<T>(ushort* w, float* x0, int n) where T : struct, IHalfBits
    {
        float* x1 = x0 + n, x2 = x1 + n, x3 = x2 + n;
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, b0 = default, b1 = default, b2 = default, b3 = default;
        int i = 0;
        for (; i <= n - 16; i += 16)
        {
            var (lo, hi) = Vector256.Widen(Vector256.Load(w + i));
            var wl = T.ToSingle(lo);
            var wh = T.ToSingle(hi);
            a0 = Vector256.FusedMultiplyAdd(wl, Vector256.Load(x0 + i), a0);
            b0 = Vector256.FusedMultiplyAdd(wh, Vector256.Load(x0 + i + 8), b0);
            a1 = Vector256.FusedMultiplyAdd(wl, Vector256.Load(x1 + i), a1);
            b1 = Vector256.FusedMultiplyAdd(wh, Vector256.Load(x1 + i + 8), b1);
            a2 = Vector256.FusedMultiplyAdd(wl, Vector256.Load(x2 + i), a2);
            b2 = Vector256.FusedMultiplyAdd(wh, Vector256.Load(x2 + i + 8), b2);
            a3 = Vector256.FusedMultiplyAdd(wl, Vector256.Load(x3 + i), a3);
            b3 = Vector256.FusedMultiplyAdd(wh, Vector256.Load(x3 + i + 8), b3);
        }
        var sums = Vector128.Create(Vector256.Sum(a0 + b0), Vector256.Sum(a1 + b1), Vector256.Sum(a2 + b2), Vector256.Sum(a3 + b3));
        return sums + TailDot4<T>(w, x0, n, i);
    }

    private static float Dot1Scalar<T>(ushort* w, float* x, int n) where T : struct, IHalfBits
    {
        float sum = 0f;
        for (int i = 0; i < n; i++) sum += T.ToSingle(w[i]) * x[i];
        return sum;
    }

    private static Vector128<float> Dot4Scalar<T>(ushort* w, float* x0, int n) where T : struct, IHalfBits => TailDot4<T>(w, x0, n, 0);

    /// <summary>The four rows' dot products over elements <c>[from, n)</c>, one weight conversion per element.</summary>
    private static Vector128<float> TailDot4<T>(ushort* w, float* x0, int n, int from) where T : struct, IHalfBits
    {
        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
        float* x1 = x0 + n, x2 = x1 + n, x3 = x2 + n;
        for (int i = from; i < n; i++)
        {
            float v = T.ToSingle(w[i]);
            s0 += v * x0[i];
            s1 += v * x1[i];
            s2 += v * x2[i];
            s3 += v * x3[i];
        }
        return Vector128.Create(s0, s1, s2, s3);
    }

    private static void Widen<T>(ushort* source, float* destination, long count) where T : struct, IHalfBits
    {
        long i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= count - 32; i += 32)
            {
                var (lo, hi) = Vector512.Widen(Vector512.Load(source + i));
                T.ToSingle(lo).Store(destination + i);
                T.ToSingle(hi).Store(destination + i + 16);
            }
        }
        for (; i < count; i++) destination[i] = T.ToSingle(source[i]);
    }
}
