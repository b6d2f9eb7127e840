namespace LvmCloud.Core.Results;

/// <summary>Wall-clock milliseconds spent on one item, by stage.</summary>
public sealed record ResultTimings(double LoadMs, double TokenizeMs, double GenerateMs, double DecodeMs, double TotalMs);
