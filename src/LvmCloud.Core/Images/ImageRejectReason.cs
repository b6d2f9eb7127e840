namespace LvmCloud.Core.Images;

/// <summary>Machine-readable reasons carried by <see cref="ImageRejectedException"/>.</summary>
public static class ImageRejectReason
{
    public const string NotFound = "not-found";
    public const string Empty = "empty";
    public const string TooLargeBytes = "too-large-bytes";
    public const string TooLargeDimensions = "too-large-dimensions";
    public const string TooManyPixels = "too-many-pixels";
    public const string TooManyFrames = "too-many-frames";
    public const string UnknownFormat = "unknown-format";
    public const string UnsupportedFormat = "unsupported-format";
    public const string Truncated = "truncated";
    public const string Corrupt = "corrupt";
}
