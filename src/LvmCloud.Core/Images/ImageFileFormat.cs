namespace LvmCloud.Core.Images;

/// <summary>The image container formats the product accepts.</summary>
public enum ImageFileFormat
{
    Png,
    Jpeg,
    Webp,
    Bmp,
    Gif,
}
