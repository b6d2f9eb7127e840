namespace LvmCloud.Core.Datasets;

/// <summary>An IDX file could not be read.</summary>
public sealed class IdxFormatException(string fileName, string detail, Exception? inner = null)
    : FormatException($"IDX file '{fileName}' is invalid: {detail}", inner)
{
    public string FileName { get; } = fileName;
}
