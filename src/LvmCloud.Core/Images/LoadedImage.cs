namespace LvmCloud.Core.Images;

/// <summary>An image prepared for a model, with the size it had before resizing.</summary>
/// <param name="Pixels">The model input, resolution x resolution.</param>
/// <param name="SourceWidth">Width after EXIF orientation, before crop and resize.</param>
/// <param name="SourceHeight">Height after EXIF orientation, before crop and resize.</param>
/// <param name="Info">What the headers said.</param>
public sealed record LoadedImage(RgbImage Pixels, int SourceWidth, int SourceHeight, ImageInfo Info);
