namespace LvmCloud.Core.Images;

/// <summary>An image was refused: over a limit, not an image, or damaged.</summary>
public sealed class ImageRejectedException : Exception
{
    public ImageRejectedException(string imageName, string reason, string detail, Exception? inner = null)
        : base($"Image '{imageName}' rejected ({reason}): {detail}", inner)
    {
        ImageName = imageName;
        Reason = reason;
        Detail = detail;
    }

    /// <summary>The name (usually the relative path) of the image that was refused.</summary>
    public string ImageName { get; }

    /// <summary>One of the <see cref="ImageRejectReason"/> constants.</summary>
    public string Reason { get; }

    /// <summary>Human-readable explanation, without the image name.</summary>
    public string Detail { get; }
}
