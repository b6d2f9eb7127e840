using LvmCloud.Vision.Training;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Training;

/// <summary>
/// The outer-gradient codec: every element decodes within its block's stated bound (scale / 2, absmax / 254 for int8,
/// absmax / 14 for int4), the file is about n or n/2 bytes plus 4 per block, and a damaged file is refused by name.
/// Tensors are drawn from a local generator, so these tests do not touch the global one.
/// </summary>
public sealed class OuterGradientCodecTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("lvm-delta-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>Shapes that cover a size not a multiple of 256, an odd size (int4 packing), an all-zero block and one huge outlier.</summary>
    private static Dictionary<string, Tensor> Sample(ScalarType dtype)
    {
        var generator = new Generator(7);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            ["model.embed_tokens.weight"] = randn([300], generator: generator) * 1e-3,
            ["layers.0.mlp.weight"] = randn([16, 64], generator: generator) * 2e-4,
            ["layers.0.norm.weight"] = randn([3, 5, 7], generator: generator) * 5e-2,
            ["outlier"] = randn([1000], generator: generator) * 1e-4,
            ["single"] = tensor(new[] { -0.3 }),
        };
        using (no_grad())
        {
            tensors["layers.0.mlp.weight"][..4].zero_();      // elements 0..255: one all-zero block
            tensors["outlier"][10] = tensor(1e3);              // its block's scale is huge; the other blocks keep theirs
        }
        return tensors.ToDictionary(kv => kv.Key, kv => kv.Value.to(dtype), StringComparer.Ordinal);
    }

    /// <summary>The stated bound per element: half its block's scale, absmax / (2L), computed here independently.</summary>
    private static double[] Bounds(Tensor value, OuterGradientPrecision precision)
    {
        var x = value.to(ScalarType.Float64).reshape(-1).data<double>().ToArray();
        var levels = precision == OuterGradientPrecision.Int8 ? 127.0 : 7.0;
        var bounds = new double[x.Length];
        for (var start = 0; start < x.Length; start += OuterGradientCodec.BlockSize)
        {
            var end = Math.Min(x.Length, start + OuterGradientCodec.BlockSize);
            var absmax = x[start..end].Max(Math.Abs);
            for (var i = start; i < end; i++) bounds[i] = absmax / levels / 2;
        }
        return bounds;
    }

    [Theory]
    [InlineData(OuterGradientPrecision.Int8, ScalarType.Float64)]
    [InlineData(OuterGradientPrecision.Int4, ScalarType.Float64)]
    [InlineData(OuterGradientPrecision.Int8, ScalarType.Float32)]
    [InlineData(OuterGradientPrecision.Int4, ScalarType.Float32)]
    public void Every_element_decodes_within_half_its_block_s_scale(OuterGradientPrecision precision, ScalarType dtype)
    {
        var original = Sample(dtype);
        var path = Path.Combine(_root, OuterGradientCodec.FileName(precision));
        OuterGradientCodec.Save(path, original, precision);
        var decoded = OuterGradientCodec.Load(path, dtype);
        try
        {
            Assert.Equal(original.Keys.Order(), decoded.Keys.Order());
            // float32 decoding adds the rounding of x̂ to float32: a part in 10^7 of the value.
            var rounding = dtype == ScalarType.Float32 ? 1e-6 : 1e-12;
            foreach (var (name, value) in original)
            {
                Assert.Equal(value.shape, decoded[name].shape);
                Assert.Equal(dtype, decoded[name].dtype);
                var x = value.to(ScalarType.Float64).reshape(-1).data<double>().ToArray();
                var y = decoded[name].to(ScalarType.Float64).reshape(-1).data<double>().ToArray();
                var bounds = Bounds(value, precision);
                for (var i = 0; i < x.Length; i++)
                    Assert.True(Math.Abs(x[i] - y[i]) <= bounds[i] * (1 + 1e-6) + rounding * Math.Abs(x[i]),
                        $"{name}[{i}]: {x[i]} decoded as {y[i]}, off by {Math.Abs(x[i] - y[i])}, more than the bound {bounds[i]}");
            }
            // The zero block decodes to zeros exactly; the blocks beside the outlier keep a fine scale.
            Assert.Equal(0, decoded["layers.0.mlp.weight"][..4].abs().max().to(ScalarType.Float64).item<double>(), 0);
            var far = (original["outlier"][512..768] - decoded["outlier"][512..768]).abs().max().to(ScalarType.Float64).item<double>();
            var farAbsmax = original["outlier"][512..768].abs().max().to(ScalarType.Float64).item<double>();
            // With one scale for the whole tensor (1e3 / L) these elements of about 1e-4 would all decode to 0, off by their absmax.
            Assert.True(far < 0.1 * farAbsmax, $"a block far from the outlier is off by {far} (absmax {farAbsmax}): its scale was not its own");
            var outlier = decoded["outlier"][10].to(ScalarType.Float64).item<double>();
            Assert.Equal(1e3, outlier, 1e3 / 127 / 2);
        }
        finally
        {
            foreach (var t in original.Values.Concat(decoded.Values)) t.Dispose();
        }
    }

    [Theory]
    [InlineData(OuterGradientPrecision.Int8)]
    [InlineData(OuterGradientPrecision.Int4)]
    public void The_file_holds_about_one_byte_or_half_a_byte_per_element_plus_four_bytes_per_block(OuterGradientPrecision precision)
    {
        var generator = new Generator(3);
        using var a = randn([512, 300], generator: generator);
        using var b = randn([777], generator: generator);
        var path = Path.Combine(_root, OuterGradientCodec.FileName(precision));
        OuterGradientCodec.Save(path, new Dictionary<string, Tensor> { ["a"] = a, ["b"] = b }, precision);

        long n = a.numel() + b.numel();
        long blocks = (a.numel() + 255) / 256 + (b.numel() + 255) / 256;
        var values = precision == OuterGradientPrecision.Int8 ? n : (a.numel() + 1) / 2 + (b.numel() + 1) / 2;
        Assert.Equal(values + 4 * blocks, OuterGradientCodec.PayloadBytes(a.numel(), precision) + OuterGradientCodec.PayloadBytes(b.numel(), precision));
        var header = new FileInfo(path).Length - (values + 4 * blocks) - (2 + 1) * 8 - 3 * 8; // less the shapes and the format (int64)
        Assert.InRange(header, 0, 1024);
        Assert.True(new FileInfo(path).Length < n * 4 / (precision == OuterGradientPrecision.Int8 ? 3 : 7),
            $"{new FileInfo(path).Length} bytes for {n} elements ({n * 4} in float32)");
    }

    [Fact]
    public void A_scale_tensor_that_does_not_fit_its_shape_is_refused_naming_the_tensor()
    {
        var path = Path.Combine(_root, "delta.int8.safetensors");
        using (var w = ones([600]))
            OuterGradientCodec.Save(path, new Dictionary<string, Tensor> { ["layers.3.w"] = w }, OuterGradientPrecision.Int8);
        var raw = Safetensors.LoadStateDict(path);
        raw["layers.3.w.scale"] = ones([2]); // 600 elements need 3 scales
        Safetensors.SaveStateDict(path, raw);
        foreach (var t in raw.Values) t.Dispose();

        var error = Assert.Throws<InvalidDataException>(() => OuterGradientCodec.Load(path));
        Assert.Contains("'layers.3.w'", error.Message);
        Assert.Contains("float32 [3]", error.Message);
    }

    [Fact]
    public void A_file_without_its_scales_a_format_or_whole_bytes_is_refused_with_the_reason()
    {
        var path = Path.Combine(_root, "delta.int4.safetensors");
        using (var w = ones([10]))
            OuterGradientCodec.Save(path, new Dictionary<string, Tensor> { ["w"] = w }, OuterGradientPrecision.Int4);
        var raw = Safetensors.LoadStateDict(path);

        var noScale = Path.Combine(_root, "no-scale.safetensors");
        Safetensors.SaveStateDict(noScale, raw.Where(kv => kv.Key != "w.scale").ToDictionary());
        Assert.Contains("tensor 'w' has no 'w.scale'", Assert.Throws<InvalidDataException>(() => OuterGradientCodec.Load(noScale)).Message);

        var noFormat = Path.Combine(_root, "no-format.safetensors");
        Safetensors.SaveStateDict(noFormat, raw.Where(kv => kv.Key != OuterGradientCodec.FormatTensorName).ToDictionary());
        Assert.Contains("no '__format__' tensor", Assert.Throws<InvalidDataException>(() => OuterGradientCodec.Load(noFormat)).Message);

        var badNibble = Path.Combine(_root, "bad-nibble.safetensors");
        var withZero = raw.ToDictionary();
        withZero["w.q"] = zeros([5], ScalarType.Byte); // nibble 0 is level −8, which no encoder writes
        Safetensors.SaveStateDict(badNibble, withZero);
        Assert.Contains("tensor 'w' has values outside −7..7", Assert.Throws<InvalidDataException>(() => OuterGradientCodec.Load(badNibble)).Message);
        withZero["w.q"].Dispose();
        foreach (var t in raw.Values) t.Dispose();

        var truncated = Path.Combine(_root, "truncated.safetensors");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(truncated, bytes[..(bytes.Length - 3)]);
        Assert.Contains("truncated.safetensors", Assert.Throws<InvalidDataException>(() => OuterGradientCodec.Load(truncated)).Message);
    }

    [Fact]
    public void A_tensor_with_NaN_values_is_refused_naming_it()
    {
        using var w = tensor(new[] { 1.0f, float.NaN, 2.0f });
        var error = Assert.Throws<ArgumentException>(() =>
            OuterGradientCodec.Save(Path.Combine(_root, "nan.safetensors"), new Dictionary<string, Tensor> { ["layers.1.w"] = w }, OuterGradientPrecision.Int8));
        Assert.Contains("'layers.1.w' holds 1 NaN or infinite values", error.Message);
    }
}
