using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using LvmCloud.Vision.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Kernels;

/// <summary><see cref="HalfGemv"/> on every path this CPU runs, against libtorch's float32 linear on the same weights.</summary>
public sealed unsafe class HalfGemvTests
{
    /// <summary>
    /// Allowed |kernel − reference| per output, as a fraction of Σᵢ |x[r, i]·W[o, i]|: both sum exactly representable
    /// float32 products in float32, only in another order, so they differ by a few float32 roundings (2⁻²⁴ each) of that
    /// sum. 1e-5 is about 170 such roundings; a wrong weight, row or conversion misses by orders of magnitude more.
    /// </summary>
    private const double RelativeToAbsSum = 1e-5;

    /// <summary>The scalar fallback and every vector path this CPU accelerates.</summary>
    private static IEnumerable<HalfGemvPath> AvailablePaths()
    {
        yield return HalfGemvPath.Scalar;
        if (Vector256.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Fma.IsSupported) yield return HalfGemvPath.Vector256;
        if (Vector512.IsHardwareAccelerated) yield return HalfGemvPath.Vector512;
    }

    public static TheoryData<HalfGemvPath> Paths() => new(AvailablePaths());

    public static TheoryData<HalfGemvPath, HalfFormat, int, int, int> Shapes()
    {
        var data = new TheoryData<HalfGemvPath, HalfFormat, int, int, int>();
        var shapes = new (int Rows, int In, int Out)[]
        {
            (1, 1, 1), (1, 31, 3), (1, 32, 5), (2, 33, 17), (3, 100, 9), (4, 64, 130), (5, 517, 7),
            (7, 16, 33), (8, 47, 64), (9, 1000, 11), (13, 95, 23), (16, 256, 19), (16, 257, 1),
        };
        foreach (var path in AvailablePaths())
            foreach (var format in new[] { HalfFormat.BFloat16, HalfFormat.Float16 })
                foreach (var (rows, inF, outF) in shapes)
                    data.Add(path, format, rows, inF, outF);
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Matches_float32_linear_on_the_same_weights(HalfGemvPath path, HalfFormat format, int rows, int inFeatures, int outFeatures)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(seed: (ulong)(1000 * rows + inFeatures + outFeatures));
        var weight = randn(outFeatures, inFeatures, generator: generator).to(DType(format));
        var bias = randn(outFeatures, generator: generator).to(DType(format));
        var x = randn(rows, inFeatures, generator: generator);
        var expected = nn.functional.linear(x, weight.to(ScalarType.Float32), bias.to(ScalarType.Float32));
        var bound = nn.functional.linear(x.abs(), weight.to(ScalarType.Float32).abs(), bias.to(ScalarType.Float32).abs()) * RelativeToAbsSum + 1e-6;

        var actual = Run(weight, bias, x, GemvOutput.Float32, path);

        var excess = ((actual - expected).abs() - bound).max().item<float>();
        Assert.True(excess <= 0, $"{path} {format} ({rows}×{inFeatures})·({outFeatures}×{inFeatures})ᵀ: exceeds the bound by {excess}");
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Widens_every_finite_float16_and_bfloat16_weight_exactly(HalfGemvPath path)
    {
        foreach (var format in new[] { HalfFormat.BFloat16, HalfFormat.Float16 })
        {
            using var scope = NewDisposeScope();
            var weight = EveryFiniteValue(format);                                   // (out, 32)
            for (int first = 0; first < 32; first += 16)
            {
                var x = eye(16, 32).roll(first, 1);                                 // one-hot rows: column first + r
                var actual = Run(weight, null, x, GemvOutput.Float32, path);          // (16, out)
                var expected = weight.to(ScalarType.Float32)[.., first..(first + 16)].t();
                Assert.True(actual.equal(expected).all().item<bool>(), $"{path} {format}: a widened weight differs from libtorch's conversion");
            }
        }
    }

    [Fact]
    public void Widen_matches_libtorch_on_all_65536_bit_patterns()
    {
        foreach (var format in new[] { HalfFormat.BFloat16, HalfFormat.Float16 })
        {
            using var scope = NewDisposeScope();
            var bits = AllBitPatterns(format);
            var actual = empty(65536, dtype: ScalarType.Float32);
            var source = bits.bytes;
            var destination = actual.bytes;
            fixed (byte* s = source)
            fixed (byte* d = destination)
                HalfGemv.Widen((ushort*)s, format, (float*)d, 65536);
            var expected = bits.to(ScalarType.Float32);
            var same = actual.eq(expected).logical_or(actual.isnan().logical_and(expected.isnan()));
            Assert.True(same.all().item<bool>(), $"{format}: Widen disagrees with libtorch on some bit pattern");
        }
    }

    [Fact]
    public void ToBFloat16_rounds_to_nearest_even_as_libtorch_does()
    {
        using var scope = NewDisposeScope();
        var values = cat([
            randn(4096, generator: new Generator(seed: 7)) * 1000,
            tensor(new[] { 1.00390625f, 1.01171875f, -1.00390625f, float.MaxValue, float.Epsilon, 0f, -0f, float.PositiveInfinity, float.NegativeInfinity }),
        ]);
        var expected = MemoryMarshal.Cast<byte, ushort>(values.to(ScalarType.BFloat16).bytes).ToArray();

        var actual = values.data<float>().ToArray().Select(HalfGemv.ToBFloat16).ToArray();

        Assert.Equal(expected, actual);
        Assert.True(float.IsNaN(BitConverter.UInt32BitsToSingle((uint)HalfGemv.ToBFloat16(float.NaN) << 16)));
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Half_outputs_are_the_float32_results_rounded(HalfGemvPath path)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(seed: 5);
        var weight = randn(70, 129, generator: generator).to(ScalarType.BFloat16);
        var x = randn(6, 129, generator: generator);
        var exact = Run(weight, null, x, GemvOutput.Float32, path);

        Assert.True(Run(weight, null, x, GemvOutput.BFloat16, path).equal(exact.to(ScalarType.BFloat16)).all().item<bool>());
        Assert.True(Run(weight, null, x, GemvOutput.Float16, path).equal(exact.to(ScalarType.Float16)).all().item<bool>());
    }

    [Fact]
    public void A_call_split_across_threads_gives_the_same_bits_as_one_thread()
    {
        using var scope = NewDisposeScope();
        using var workers = new RangeWorkers(3);
        var generator = new Generator(seed: 11);
        var weight = randn(1001, 777, generator: generator).to(ScalarType.BFloat16);  // 3 parts of ≥ 337 rows
        var x = randn(5, 777, generator: generator);

        using var oneThread = new RangeWorkers(1);
        var single = Run(weight, null, x, GemvOutput.Float32, HalfGemvPath.Auto, oneThread);
        var split = Run(weight, null, x, GemvOutput.Float32, HalfGemvPath.Auto, workers);

        Assert.True(split.equal(single).all().item<bool>());
    }

    /// <summary>Every finite value of <paramref name="format"/>, as a (values / 32, 32) tensor padded with zeros.</summary>
    private static Tensor EveryFiniteValue(HalfFormat format)
    {
        var all = AllBitPatterns(format);
        var finite = all.masked_select(all.to(ScalarType.Float32).isfinite());
        long padded = (finite.shape[0] + 31) / 32 * 32;
        return cat([finite, zeros(padded - finite.shape[0], dtype: DType(format))]).view(-1, 32);
    }

    /// <summary>The 65536 16-bit patterns in order, as a tensor of <paramref name="format"/>.</summary>
    private static Tensor AllBitPatterns(HalfFormat format)
    {
        var all = empty(65536, dtype: DType(format));
        var bits = MemoryMarshal.Cast<byte, ushort>(all.bytes);
        for (int i = 0; i < bits.Length; i++) bits[i] = (ushort)i;
        return all;
    }

    private static ScalarType DType(HalfFormat format) => format == HalfFormat.BFloat16 ? ScalarType.BFloat16 : ScalarType.Float16;

    /// <summary>The kernel on CPU tensors: weight (out, in) half, bias (out) or null, x (rows, in) float32.</summary>
    private static Tensor Run(Tensor weight, Tensor? bias, Tensor x, GemvOutput output, HalfGemvPath path, RangeWorkers? workers = null)
    {
        var format = weight.dtype == ScalarType.BFloat16 ? HalfFormat.BFloat16 : HalfFormat.Float16;
        var dtype = output switch { GemvOutput.Float32 => ScalarType.Float32, GemvOutput.BFloat16 => ScalarType.BFloat16, _ => ScalarType.Float16 };
        weight = weight.contiguous();
        x = x.contiguous();
        var y = empty(x.shape[0], weight.shape[0], dtype: dtype);
        fixed (byte* w = weight.bytes)
        fixed (byte* b = bias is null ? Span<byte>.Empty : bias.bytes)
        fixed (byte* xs = x.bytes)
        fixed (byte* ys = y.bytes)
        {
            var args = new HalfGemvArgs((ushort*)w, format, (float*)xs, (int)x.shape[0], (int)weight.shape[1], (int)weight.shape[0],
                (ushort*)b, ys, output);
            HalfGemvRunner.Run(args, path, workers);
        }
        return y;
    }
}
