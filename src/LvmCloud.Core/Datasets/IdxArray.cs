namespace LvmCloud.Core.Datasets;

/// <summary>An unsigned-byte IDX array: its dimensions and row-major data.</summary>
public sealed record IdxArray(IReadOnlyList<int> Dimensions, byte[] Data);
