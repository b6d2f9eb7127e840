using LvmCloud.Vision.Checkpoints;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Training;

/// <summary>
/// Symmetric per-block quantization of a shard's outer gradient δ = θ_base − θ_k for upload, as Streaming DiLoCo and
/// INTELLECT-1 compress theirs. Each tensor is flattened and cut into blocks of <see cref="BlockSize"/> consecutive
/// elements (the last one may be shorter); each block has one float32 scale = absmax / L, with L = 127 levels for
/// <see cref="OuterGradientPrecision.Int8"/> (one int8 per element) and L = 7 for <see cref="OuterGradientPrecision.Int4"/>
/// (levels −7..7 stored as 1..15 in a nibble, two elements per byte, the first in the low nibble). An element is
/// q = round(x / scale), to nearest, and decodes to x̂ = q · scale; an all-zero block has scale 0 and decodes to zeros.
/// <para>
/// Error bound, per element: |x − x̂| ≤ scale / 2 of its block, that is absmax_block / 254 for int8 and absmax_block / 14
/// for int4 (plus the rounding of x to float32 in the scale, a few parts in 10⁸ of absmax_block).
/// </para>
/// <para>
/// One safetensors file holds a whole set of named tensors: per name <c>{name}.q</c> (int8, or uint8 packed for int4),
/// <c>{name}.scale</c> (float32, one per block) and <c>{name}.shape</c> (int64), and <c>__format__</c> (int64: format
/// version, bits, block size). Its size is about n bytes (int8) or n/2 (int4) for n elements, plus 4 bytes per block and
/// a header (<see cref="PayloadBytes"/>). The work is vectorised torch ops on the CPU, linear in the elements; a tensor's
/// temporaries are freed before the next one is encoded.
/// </para>
/// </summary>
public static class OuterGradientCodec
{
    /// <summary>Elements per block, each with its own scale.</summary>
    public const int BlockSize = 256;

    /// <summary>The tensor that marks the file's format: [version, bits, block size].</summary>
    public const string FormatTensorName = "__format__";

    public const long FormatVersion = 1;

    private const string QuantizedSuffix = ".q";
    private const string ScaleSuffix = ".scale";
    private const string ShapeSuffix = ".shape";

    /// <summary>The file name a shard writes: <c>delta.int8.safetensors</c> or <c>delta.int4.safetensors</c>.</summary>
    public static string FileName(OuterGradientPrecision precision) => $"delta.{Name(precision)}.safetensors";

    /// <summary>The precision as run.json names it: <c>int8</c> or <c>int4</c>.</summary>
    public static string Name(OuterGradientPrecision precision) => precision switch
    {
        OuterGradientPrecision.Int8 => "int8",
        OuterGradientPrecision.Int4 => "int4",
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, "Outer gradients are quantized to int8 or int4."),
    };

    /// <summary>Levels either side of zero: 127 (int8) or 7 (int4).</summary>
    public static int Levels(OuterGradientPrecision precision) => precision == OuterGradientPrecision.Int4 ? 7 : 127;

    /// <summary>Bytes of quantized values and scales for a tensor of <paramref name="elements"/> (the file adds its header).</summary>
    public static long PayloadBytes(long elements, OuterGradientPrecision precision) =>
        (precision == OuterGradientPrecision.Int4 ? (elements + 1) / 2 : elements) + 4 * Blocks(elements);

    /// <summary>Encodes the named tensors (any float dtype, any device) into one file at <paramref name="path"/>.</summary>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, OuterGradientPrecision precision) =>
        Save(path, precision, tensors.Keys, name => tensors[name]);

    /// <summary>
    /// Encodes the tensors <paramref name="valueOf"/> gives for <paramref name="names"/>, one at a time: what
    /// <paramref name="valueOf"/> allocates is freed once its tensor is quantized, so only the encoded set and one
    /// tensor's temporaries are in memory at once.
    /// </summary>
    /// <exception cref="ArgumentException">A name is repeated or reserved, or a tensor holds NaN or infinite values.</exception>
    public static void Save(string path, OuterGradientPrecision precision, IEnumerable<string> names, Func<string, Tensor> valueOf)
    {
        var levels = Levels(precision);
        var encoded = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            encoded[FormatTensorName] = tensor(new[] { FormatVersion, (long)precision, BlockSize }).DetachFromDisposeScope();
            foreach (var name in names)
            {
                if (name == FormatTensorName || encoded.ContainsKey(name + QuantizedSuffix))
                    throw new ArgumentException($"Outer gradient tensor '{name}' is given twice or uses the reserved name {FormatTensorName}.", nameof(names));
                using var scope = NewDisposeScope();
                using var _ = no_grad();
                var value = valueOf(name);
                var (q, scale) = Quantize(name, value, precision, levels);
                encoded[name + QuantizedSuffix] = q.DetachFromDisposeScope();
                encoded[name + ScaleSuffix] = scale.DetachFromDisposeScope();
                encoded[name + ShapeSuffix] = tensor(value.shape).DetachFromDisposeScope();
            }
            Safetensors.SaveStateDict(path, encoded);
        }
        finally
        {
            foreach (var t in encoded.Values) t.Dispose();
        }
    }

    /// <summary>
    /// Decodes a file written by <see cref="Save(string, OuterGradientPrecision, IEnumerable{string}, Func{string, Tensor})"/>
    /// to tensors of their original shapes in <paramref name="dtype"/> (float32 or float64) on the CPU; the caller
    /// disposes them.
    /// </summary>
    /// <exception cref="InvalidDataException">
    /// Not a safetensors file, not an outer gradient of a known format, or a tensor whose parts do not agree (named).
    /// </exception>
    public static Dictionary<string, Tensor> Load(string path, ScalarType dtype = ScalarType.Float64)
    {
        if (dtype is not (ScalarType.Float32 or ScalarType.Float64))
            throw new ArgumentException($"Outer gradients decode to float32 or float64, not {dtype}.", nameof(dtype));
        var file = Path.GetFileName(path);
        try
        {
            SafetensorsCheck.Check(path);
        }
        catch (CheckpointException e)
        {
            throw new InvalidDataException($"The outer gradient file {e.Message}", e);
        }
        var raw = Safetensors.LoadStateDict(path);
        var decoded = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            var precision = ReadFormat(raw, file);
            foreach (var key in raw.Keys)
                if (key != FormatTensorName && !(Owner(key) is { } owner && raw.ContainsKey(owner + QuantizedSuffix)))
                    throw new InvalidDataException($"The outer gradient file '{file}' holds tensor '{key}', which belongs to no '{{name}}{QuantizedSuffix}': the file is damaged or not an outer gradient.");
            foreach (var name in raw.Keys.Select(k => Part(k, QuantizedSuffix)).OfType<string>().Order(StringComparer.Ordinal))
            {
                using var scope = NewDisposeScope();
                var value = Dequantize(file, name, raw, precision).to(dtype);
                decoded[name] = value.DetachFromDisposeScope();
            }
            return decoded;
        }
        catch
        {
            foreach (var t in decoded.Values) t.Dispose();
            throw;
        }
        finally
        {
            foreach (var t in raw.Values) t.Dispose();
        }
    }

    private static (Tensor Q, Tensor Scale) Quantize(string name, Tensor value, OuterGradientPrecision precision, int levels)
    {
        if (!value.is_floating_point())
            throw new ArgumentException($"Outer gradient tensor '{name}' is {value.dtype}, not a float tensor.");
        var flat = value.detach().reshape(-1).to(ScalarType.Float64, CPU);
        var n = flat.numel();
        var bad = n - flat.isfinite().sum().item<long>();
        if (bad > 0)
            throw new ArgumentException($"Outer gradient tensor '{name}' holds {bad} NaN or infinite values of {n}: the shard's weights diverged, so there is nothing to merge.");
        var blocks = Blocks(n);
        var rows = PadTo(flat, blocks * BlockSize).view(blocks, BlockSize);                  // (blocks, 256)
        var scale = (rows.abs().amax([1]) / levels).to(ScalarType.Float32);                   // (blocks)
        var divisor = scale.to(ScalarType.Float64).masked_fill(scale.eq(0), 1.0).unsqueeze(1); // (blocks, 1): a zero block stays 0
        var q = (rows / divisor).round().clamp(-levels, levels).reshape(-1).narrow(0, 0, n);  // (n), in −L..L
        return (precision == OuterGradientPrecision.Int4 ? Pack(q) : q.to(ScalarType.Int8), scale);
    }

    /// <summary>Levels −7..7 as nibbles 1..15, two per byte: the even element in the low nibble.</summary>
    private static Tensor Pack(Tensor q)
    {
        var nibbles = PadTo((q + 8).to(ScalarType.Int32), q.numel() + q.numel() % 2, 8).view(-1, 2); // (n/2, 2), a 0 fills an odd end
        return (nibbles.select(1, 0) + nibbles.select(1, 1) * 16).to(ScalarType.Byte);
    }

    private static Tensor Dequantize(string file, string name, Dictionary<string, Tensor> raw, OuterGradientPrecision precision)
    {
        string Problem(string what) =>
            $"The outer gradient file '{file}': tensor '{name}' {what}: the file is damaged or was written by something else; run the shard again.";
        if (!raw.TryGetValue(name + ScaleSuffix, out var scale))
            throw new InvalidDataException(Problem($"has no '{name}{ScaleSuffix}'"));
        if (!raw.TryGetValue(name + ShapeSuffix, out var shapeTensor))
            throw new InvalidDataException(Problem($"has no '{name}{ShapeSuffix}'"));
        if (shapeTensor.dtype != ScalarType.Int64 || shapeTensor.dim() != 1)
            throw new InvalidDataException(Problem($"has a shape tensor of {shapeTensor.dtype} with {shapeTensor.dim()} dimensions, not a list of int64"));
        var shape = shapeTensor.data<long>().ToArray();
        if (shape.Any(s => s < 0))
            throw new InvalidDataException(Problem($"has a negative size in its shape [{string.Join(", ", shape)}]"));
        long n;
        try
        {
            n = shape.Aggregate(1L, (a, b) => checked(a * b));
        }
        catch (OverflowException)
        {
            throw new InvalidDataException(Problem($"has a shape [{string.Join(", ", shape)}] too large to hold"));
        }
        var blocks = Blocks(n);
        if (scale.dtype != ScalarType.Float32 || scale.shape is not [var scales] || scales != blocks)
            throw new InvalidDataException(Problem($"has scales {scale.dtype} [{string.Join(", ", scale.shape)}], but its shape [{string.Join(", ", shape)}] needs float32 [{blocks}] (one per {BlockSize} elements)"));
        if (!scale.isfinite().all().item<bool>() || scale.lt(0).any().item<bool>())
            throw new InvalidDataException(Problem("has a negative, NaN or infinite scale"));
        var q = raw[name + QuantizedSuffix];
        var (qType, qLength) = precision == OuterGradientPrecision.Int4 ? (ScalarType.Byte, (n + 1) / 2) : (ScalarType.Int8, n);
        if (q.dtype != qType || q.shape is not [var length] || length != qLength)
            throw new InvalidDataException(Problem($"has values {q.dtype} [{string.Join(", ", q.shape)}], but an {Name(precision)} tensor of shape [{string.Join(", ", shape)}] needs {qType} [{qLength}]"));
        var levels = Levels(precision);
        var values = precision == OuterGradientPrecision.Int4 ? Unpack(q, n) : q.to(ScalarType.Float64);
        if (n > 0 && values.abs().max().item<double>() > levels)
            throw new InvalidDataException(Problem($"has values outside −{levels}..{levels}"));
        var rows = PadTo(values, blocks * BlockSize).view(blocks, BlockSize);                   // (blocks, 256)
        return (rows * scale.to(ScalarType.Float64).unsqueeze(1)).reshape(-1).narrow(0, 0, n).reshape(shape);
    }

    /// <summary>The packed nibbles back to levels −7..7 (a 0 nibble, which no encoder writes, decodes to −8 and is refused).</summary>
    private static Tensor Unpack(Tensor packed, long n)
    {
        var bytes = packed.to(ScalarType.Int32);
        var nibbles = stack([bytes.remainder(16), bytes.div(16, RoundingMode.floor)], 1).reshape(-1).narrow(0, 0, n); // (n)
        return (nibbles - 8).to(ScalarType.Float64);
    }

    private static OuterGradientPrecision ReadFormat(Dictionary<string, Tensor> raw, string file)
    {
        if (!raw.TryGetValue(FormatTensorName, out var format))
            throw new InvalidDataException($"The outer gradient file '{file}' has no '{FormatTensorName}' tensor: it is not an outer gradient written by this codec.");
        var fields = format.dtype == ScalarType.Int64 && format.shape is [3] ? format.data<long>().ToArray() : null;
        if (fields is not [FormatVersion, (4 or 8) and var bits, BlockSize])
            throw new InvalidDataException($"The outer gradient file '{file}' has format [{(fields is null ? format.dtype.ToString() : string.Join(", ", fields))}]; this codec reads [{FormatVersion}, 8 or 4 bits, {BlockSize}].");
        return (OuterGradientPrecision)bits;
    }

    /// <summary>The name that <paramref name="key"/> is a part of, when it ends with <paramref name="suffix"/>.</summary>
    private static string? Part(string key, string suffix) =>
        key.Length > suffix.Length && key.EndsWith(suffix, StringComparison.Ordinal) ? key[..^suffix.Length] : null;

    /// <summary>The tensor name that <paramref name="key"/> is a part of (<c>{name}.q</c>, <c>.scale</c> or <c>.shape</c>).</summary>
    private static string? Owner(string key) => Part(key, QuantizedSuffix) ?? Part(key, ScaleSuffix) ?? Part(key, ShapeSuffix);

    private static long Blocks(long elements) => (elements + BlockSize - 1) / BlockSize;

    /// <summary><paramref name="flat"/> extended with <paramref name="fill"/> to <paramref name="length"/> elements.</summary>
    private static Tensor PadTo(Tensor flat, long length, double fill = 0) =>
        length == flat.numel() ? flat : cat([flat, full([length - flat.numel()], fill, flat.dtype)]);
}
