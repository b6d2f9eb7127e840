using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace LvmCloud.Core.Images;

/// <summary>Copies between ImageSharp pixel buffers and CHW <see cref="RgbImage"/> floats.</summary>
internal static class PixelConvert
{
    /// <summary>Bytes to floats as LVM does: <c>byte / 255f</c> (division, not multiplication by 1/255, which is 1 ulp off for half the values).</summary>
    public static RgbImage ToRgbImage(Image<Rgb24> image)
    {
        var result = new RgbImage(image.Width, image.Height);
        float[] data = result.Data;
        int plane = result.PlaneSize;
        int width = image.Width;
        image.ProcessPixelRows(accessor =>
        {
            for (int y = 0; y < accessor.Height; y++)
            {
                Span<Rgb24> row = accessor.GetRowSpan(y);
                int offset = y * width;
                for (int x = 0; x < row.Length; x++)
                {
                    data[offset + x] = row[x].R / 255f;
                    data[plane + offset + x] = row[x].G / 255f;
                    data[(2 * plane) + offset + x] = row[x].B / 255f;
                }
            }
        });
        return result;
    }

    /// <summary>Floats to bytes as LVM writes outputs: clamp to [0, 1], then truncate <c>(byte)(v * 255)</c>.</summary>
    public static Image<Rgb24> ToRgb24(RgbImage source)
    {
        var image = new Image<Rgb24>(source.Width, source.Height);
        float[] data = source.Data;
        int plane = source.PlaneSize;
        int width = source.Width;
        image.ProcessPixelRows(accessor =>
        {
            for (int y = 0; y < accessor.Height; y++)
            {
                Span<Rgb24> row = accessor.GetRowSpan(y);
                int offset = y * width;
                for (int x = 0; x < row.Length; x++)
                {
                    row[x] = new Rgb24(
                        ToByte(data[offset + x]),
                        ToByte(data[plane + offset + x]),
                        ToByte(data[(2 * plane) + offset + x]));
                }
            }
        });
        return image;
    }

    public static byte ToByte(float value)
    {
        float clamped = float.IsNaN(value) ? 0f : Math.Clamp(value, 0f, 1f);
        return (byte)(clamped * 255f);
    }

    public static Image<RgbaVector> ToRgbaVector(RgbImage source)
    {
        var image = new Image<RgbaVector>(source.Width, source.Height);
        float[] data = source.Data;
        int plane = source.PlaneSize;
        int width = source.Width;
        image.ProcessPixelRows(accessor =>
        {
            for (int y = 0; y < accessor.Height; y++)
            {
                Span<RgbaVector> row = accessor.GetRowSpan(y);
                int offset = y * width;
                for (int x = 0; x < row.Length; x++)
                {
                    row[x] = new RgbaVector(data[offset + x], data[plane + offset + x], data[(2 * plane) + offset + x], 1f);
                }
            }
        });
        return image;
    }

    public static RgbImage FromRgbaVector(Image<RgbaVector> image)
    {
        var result = new RgbImage(image.Width, image.Height);
        float[] data = result.Data;
        int plane = result.PlaneSize;
        int width = image.Width;
        image.ProcessPixelRows(accessor =>
        {
            for (int y = 0; y < accessor.Height; y++)
            {
                Span<RgbaVector> row = accessor.GetRowSpan(y);
                int offset = y * width;
                for (int x = 0; x < row.Length; x++)
                {
                    data[offset + x] = Math.Clamp(row[x].R, 0f, 1f);
                    data[plane + offset + x] = Math.Clamp(row[x].G, 0f, 1f);
                    data[(2 * plane) + offset + x] = Math.Clamp(row[x].B, 0f, 1f);
                }
            }
        });
        return result;
    }
}
