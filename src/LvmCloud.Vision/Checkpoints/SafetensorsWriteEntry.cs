namespace LvmCloud.Vision.Checkpoints;

/// <summary>One tensor of a safetensors file as its header describes it: name, header dtype (<c>F16</c>, <c>BF16</c>, <c>F32</c>, ...) and shape.</summary>
public sealed record SafetensorsWriteEntry(string Name, string DType, IReadOnlyList<long> Shape)
{
    /// <summary>Bytes of one element of <see cref="DType"/>.</summary>
    public int ElementBytes => DType switch
    {
        "F64" or "I64" => 8,
        "F32" or "I32" => 4,
        "F16" or "BF16" or "I16" => 2,
        "I8" or "U8" or "BOOL" => 1,
        _ => throw new NotSupportedException($"Tensor '{Name}': safetensors dtype '{DType}' is not one this writer knows (F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)."),
    };

    /// <summary>Elements of the tensor (the product of <see cref="Shape"/>; 1 for a scalar).</summary>
    public long Elements => Shape.Aggregate(1L, (n, d) => n * d);

    /// <summary>Bytes of the tensor's data.</summary>
    public long Bytes => Elements * ElementBytes;
}
