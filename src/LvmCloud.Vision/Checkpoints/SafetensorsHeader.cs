namespace LvmCloud.Vision.Checkpoints;

/// <summary>A checked safetensors header: the tensors it describes and the file offset where their data region starts.</summary>
/// <param name="DataStart">File offset of the data region (8 + the header length); entry offsets count from here.</param>
/// <param name="Tensors">Every tensor of the file, in header order.</param>
public sealed record SafetensorsHeader(long DataStart, IReadOnlyList<SafetensorsEntry> Tensors);

/// <summary>One tensor of a safetensors header: its header dtype (<c>F16</c>, <c>BF16</c>, ...), shape and byte range in the data region.</summary>
public sealed record SafetensorsEntry(string Name, string DType, long[] Shape, long Begin, long End);
