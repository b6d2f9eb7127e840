using static TorchSharp.torch;

namespace LvmCloud.Vision.Checkpoints;

/// <summary>
/// Where one tensor of a checkpoint lies: its file, its dtype and shape as stored, and its bytes (row-major, contiguous)
/// at <see cref="Offset"/>: a file offset for safetensors, an offset inside the zip entry <see cref="ZipEntry"/> for a
/// <c>torch.save</c> archive. Read from headers alone; no weights are read to build one.
/// </summary>
public sealed record StoredTensor(string Name, string Path, ScalarType DType, long[] Shape, long Offset, long ByteLength, string? ZipEntry = null)
{
    /// <summary>The dtype of a safetensors header entry (<c>F16</c>, <c>BF16</c>, <c>F32</c>, ...).</summary>
    public static ScalarType FromSafetensors(string dtype) => dtype switch
    {
        "F64" => ScalarType.Float64,
        "F32" => ScalarType.Float32,
        "F16" => ScalarType.Float16,
        "BF16" => ScalarType.BFloat16,
        "I64" => ScalarType.Int64,
        "I32" => ScalarType.Int32,
        "I16" => ScalarType.Int16,
        "I8" => ScalarType.Int8,
        "U8" => ScalarType.Byte,
        "BOOL" => ScalarType.Bool,
        _ => throw new NotSupportedException($"Safetensors dtype '{dtype}' has no TorchSharp dtype."),
    };

    /// <summary>The dtype of a <c>torch.*Storage</c> type named in a <c>torch.save</c> pickle.</summary>
    public static ScalarType FromStorage(string storage) => storage switch
    {
        "DoubleStorage" => ScalarType.Float64,
        "FloatStorage" => ScalarType.Float32,
        "HalfStorage" => ScalarType.Float16,
        "BFloat16Storage" => ScalarType.BFloat16,
        "LongStorage" => ScalarType.Int64,
        "IntStorage" => ScalarType.Int32,
        "ShortStorage" => ScalarType.Int16,
        "CharStorage" => ScalarType.Int8,
        "ByteStorage" => ScalarType.Byte,
        "BoolStorage" => ScalarType.Bool,
        _ => throw new NotSupportedException($"Storage type '{storage}' has no TorchSharp dtype."),
    };
}
