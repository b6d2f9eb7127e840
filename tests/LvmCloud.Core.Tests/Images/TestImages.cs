using System.Buffers.Binary;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.PixelFormats;

namespace LvmCloud.Core.Tests.Images;

/// <summary>Makes real image files with ImageSharp (and a few hand-built headers).</summary>
internal static class TestImages
{
    public static Image<Rgba32> Solid(int width, int height, Rgba32 colour)
    {
        var image = new Image<Rgba32>(width, height);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                image[x, y] = colour;
            }
        }

        return image;
    }

    /// <summary>Left half <paramref name="left"/>, right half <paramref name="right"/>.</summary>
    public static Image<Rgba32> TwoHalves(int width, int height, Rgba32 left, Rgba32 right)
    {
        Image<Rgba32> image = Solid(width, height, left);
        for (int y = 0; y < height; y++)
        {
            for (int x = width / 2; x < width; x++)
            {
                image[x, y] = right;
            }
        }

        return image;
    }

    public static string Save<TPixel>(Image<TPixel> image, string path, IImageEncoder encoder)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        using (image)
        {
            image.Save(path, encoder);
        }

        return path;
    }

    /// <summary>A PNG whose IHDR claims <paramref name="width"/> x <paramref name="height"/> but whose data is tiny.</summary>
    public static byte[] PngHeaderClaiming(int width, int height)
    {
        using var stream = new MemoryStream();
        stream.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 2; // RGB
        WriteChunk(stream, "IHDR", ihdr);
        WriteChunk(stream, "IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]); // empty zlib stream
        WriteChunk(stream, "IEND", []);
        return stream.ToArray();
    }

    private static void WriteChunk(Stream stream, string type, byte[] data)
    {
        var header = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(header, data.Length);
        System.Text.Encoding.ASCII.GetBytes(type, header.AsSpan(4));
        stream.Write(header);
        stream.Write(data);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(header.AsSpan(4).ToArray().Concat(data).ToArray()));
        stream.Write(crc);
    }

    private static uint Crc32(byte[] bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
            }
        }

        return ~crc;
    }
}
