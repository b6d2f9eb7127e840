namespace LvmCloud.Core.Images;

/// <summary>What the headers of an image say, read without decoding its pixels.</summary>
/// <param name="Width">Stored width (before any EXIF orientation is applied).</param>
/// <param name="Height">Stored height (before any EXIF orientation is applied).</param>
/// <param name="Frames">Number of frames (1 for still images).</param>
/// <param name="Format">Container format.</param>
public sealed record ImageInfo(int Width, int Height, int Frames, ImageFileFormat Format)
{
    public long Pixels => (long)Width * Height;
}
