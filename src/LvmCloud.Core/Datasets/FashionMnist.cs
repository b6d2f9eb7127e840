using LvmCloud.Core.Images;
using LvmCloud.Core.Sentences;

namespace LvmCloud.Core.Datasets;

/// <summary>
/// Fashion-MNIST (Xiao et al. 2017): 28x28 grayscale product photos in 10 classes, read
/// from the gzipped IDX files the dataset ships as (<c>*-images-idx3-ubyte.gz</c>,
/// <c>*-labels-idx1-ubyte.gz</c>). Pixels stay as bytes; <see cref="GetImage"/> makes an
/// <see cref="RgbImage"/> (grey copied to R, G and B, <c>byte / 255f</c>) on demand, so the
/// 70,000 images cost 55 MB, not the 660 MB of floats.
/// </summary>
public sealed class FashionMnist
{
    public static readonly IReadOnlyList<string> ClassNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    private readonly byte[] _pixels;
    private readonly byte[] _labels;

    private FashionMnist(int count, int height, int width, byte[] pixels, byte[] labels)
    {
        Count = count;
        Height = height;
        Width = width;
        _pixels = pixels;
        _labels = labels;
    }

    public int Count { get; }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Reads an image file (IDX3: count x rows x cols) and its label file (IDX1: count), gzipped or not.</summary>
    public static FashionMnist Load(string imagesPath, string labelsPath)
    {
        IdxArray images = IdxReader.Read(imagesPath);
        IdxArray labels = IdxReader.Read(labelsPath);
        return FromIdx(images, labels, Path.GetFileName(imagesPath), Path.GetFileName(labelsPath));
    }

    public static FashionMnist FromIdx(IdxArray images, IdxArray labels, string imagesName = "images", string labelsName = "labels")
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        if (images.Dimensions.Count != 3)
        {
            throw new IdxFormatException(imagesName, $"images need 3 dimensions (count, rows, cols), found {images.Dimensions.Count}");
        }

        if (labels.Dimensions.Count != 1)
        {
            throw new IdxFormatException(labelsName, $"labels need 1 dimension (count), found {labels.Dimensions.Count}");
        }

        if (images.Dimensions[0] != labels.Dimensions[0])
        {
            throw new IdxFormatException(labelsName, $"{labels.Dimensions[0]} labels for {images.Dimensions[0]} images in '{imagesName}'");
        }

        if (images.Dimensions[1] == 0 || images.Dimensions[2] == 0)
        {
            throw new IdxFormatException(imagesName, "images have a zero dimension");
        }

        int bad = labels.Data.AsSpan().IndexOfAnyInRange((byte)ClassNames.Count, byte.MaxValue);
        if (bad >= 0)
        {
            throw new IdxFormatException(labelsName, $"label {labels.Data[bad]} at index {bad} is not a class 0..{ClassNames.Count - 1}");
        }

        return new FashionMnist(images.Dimensions[0], images.Dimensions[1], images.Dimensions[2], images.Data, labels.Data);
    }

    public int GetLabel(int index) => _labels[CheckIndex(index)];

    /// <summary>The raw 8-bit grey pixels of image <paramref name="index"/>, row-major.</summary>
    public ReadOnlySpan<byte> GetPixels(int index) => _pixels.AsSpan(CheckIndex(index) * Width * Height, Width * Height);

    public RgbImage GetImage(int index)
    {
        ReadOnlySpan<byte> pixels = GetPixels(index);
        var gray = new float[pixels.Length];
        for (int i = 0; i < pixels.Length; i++)
        {
            gray[i] = pixels[i] / 255f;
        }

        return RgbImage.FromGray(Width, Height, gray);
    }

    /// <summary>Images <paramref name="start"/> .. <paramref name="start"/> + <paramref name="count"/> - 1 with their labels.</summary>
    public IReadOnlyList<LabelledImage> ToLabelledImages(int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start + count, Count);
        return [.. Enumerable.Range(start, count).Select(i => new LabelledImage(GetImage(i), GetLabel(i)))];
    }

    private int CheckIndex(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return index;
    }
}
