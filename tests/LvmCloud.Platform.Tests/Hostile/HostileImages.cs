using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;

namespace LvmCloud.Platform.Tests.Hostile;

/// <summary>Hostile and unusual image files, built in memory (chunks and segments written by hand where a library would refuse).</summary>
internal static class HostileImages
{
    /// <summary>A well-formed PNG whose IHDR declares <paramref name="width"/> x <paramref name="height"/> and whose IDAT holds a few bytes.</summary>
    public static byte[] PngDeclaring(int width, int height)
    {
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 2; // RGB
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            zlib.Write(new byte[64]);
        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        WriteChunk(png, "IHDR", ihdr);
        WriteChunk(png, "IDAT", compressed.ToArray());
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    /// <summary>A 1x1 GIF89a with <paramref name="frames"/> image frames (14 bytes each).</summary>
    public static byte[] AnimatedGif(int frames)
    {
        using var gif = new MemoryStream();
        gif.Write("GIF89a"u8);
        gif.Write([1, 0, 1, 0, 0x80, 0, 0]); // 1x1, global colour table of 2 entries
        gif.Write([0, 0, 0, 255, 255, 255]);
        for (var i = 0; i < frames; i++)
        {
            gif.Write([0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0]); // image descriptor, 1x1 at (0, 0)
            gif.Write([2, 2, 0x44, 0x01, 0]); // LZW minimum code size 2: clear, 0, end
        }
        gif.WriteByte(0x3B);
        return gif.ToArray();
    }

    public static byte[] Png(int width, int height, PngBitDepth depth = PngBitDepth.Bit8)
    {
        using var image = Gradient<Rgba64>(width, height, (x, y) => new Rgba64((ushort)(x * 4099), (ushort)(y * 3001), 40000, 65535));
        using var stream = new MemoryStream();
        image.SaveAsPng(stream, new PngEncoder { BitDepth = depth, ColorType = PngColorType.Rgb });
        return stream.ToArray();
    }

    public static byte[] Jpeg(int width, int height, JpegColorType colour = JpegColorType.YCbCrRatio444, ExifProfile? exif = null)
    {
        using var image = Gradient<Rgb24>(width, height, (x, y) => new Rgb24((byte)(x * 16), (byte)(y * 16), 128));
        image.Metadata.ExifProfile = exif;
        using var stream = new MemoryStream();
        image.SaveAsJpeg(stream, new JpegEncoder { ColorType = colour, Quality = 90 });
        return stream.ToArray();
    }

    /// <summary>
    /// An 8x8 baseline CMYK JPEG (Adobe APP14, no colour transform) filled with the given ink values, encoded by hand
    /// (ImageSharp 2.1 cannot write CMYK): a unit quantisation table, so each block is its DC coefficient and an end of block.
    /// </summary>
    public static byte[] CmykJpeg(byte c, byte m, byte y, byte k)
    {
        using var jpeg = new MemoryStream();
        jpeg.Write([0xFF, 0xD8]);
        jpeg.Write([0xFF, 0xEE, 0, 14, .. "Adobe"u8, 0, 100, 0, 0, 0, 0, 0]); // transform 0: CMYK as stored
        jpeg.Write([0xFF, 0xDB, 0, 67, 0, .. Enumerable.Repeat((byte)1, 64)]);
        jpeg.Write([0xFF, 0xC0, 0, 20, 8, 0, 8, 0, 8, 4, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0, 4, 0x11, 0]);
        byte[] dcCounts = [0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]; // categories 0-11, 4-bit codes 0000-1011
        jpeg.Write([0xFF, 0xC4, 0, 31, 0x00, .. dcCounts, .. Enumerable.Range(0, 12).Select(i => (byte)i)]);
        byte[] acCounts = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]; // only end-of-block, code '0'
        jpeg.Write([0xFF, 0xC4, 0, 20, 0x10, .. acCounts, 0x00]);
        jpeg.Write([0xFF, 0xDA, 0, 14, 4, 1, 0x00, 2, 0x00, 3, 0x00, 4, 0x00, 0, 63, 0]);
        var bits = new List<bool>();
        foreach (var sample in new[] { c, m, y, k })
        {
            var dc = 8 * (sample - 128); // DC of a constant block after the level shift
            var category = dc == 0 ? 0 : 32 - int.LeadingZeroCount(Math.Abs(dc));
            for (var b = 3; b >= 0; b--)
                bits.Add(((category >> b) & 1) == 1);
            var value = dc >= 0 ? dc : dc + (1 << category) - 1;
            for (var b = category - 1; b >= 0; b--)
                bits.Add(((value >> b) & 1) == 1);
            bits.Add(false); // end of block
        }
        while (bits.Count % 8 != 0)
            bits.Add(true);
        for (var i = 0; i < bits.Count; i += 8)
        {
            var value = (byte)Enumerable.Range(0, 8).Aggregate(0, (acc, b) => (acc << 1) | (bits[i + b] ? 1 : 0));
            jpeg.WriteByte(value);
            if (value == 0xFF)
                jpeg.WriteByte(0);
        }
        jpeg.Write([0xFF, 0xD9]);
        return jpeg.ToArray();
    }

    /// <summary>The number of colour components in a JPEG's start-of-frame segment (4 for CMYK).</summary>
    public static int JpegComponents(byte[] jpeg)
    {
        for (var pos = 2; pos + 9 < jpeg.Length;)
        {
            var marker = jpeg[pos + 1];
            var length = BinaryPrimitives.ReadUInt16BigEndian(jpeg.AsSpan(pos + 2));
            if (marker is 0xC0 or 0xC1 or 0xC2)
                return jpeg[pos + 9];
            pos += 2 + length;
        }
        throw new InvalidDataException("no start-of-frame segment");
    }

    /// <summary>A JPEG with an EXIF profile of about <paramref name="bytes"/> bytes (a maker note) and orientation 6.</summary>
    public static byte[] JpegWithLargeExif(int width, int height, int bytes)
    {
        var exif = new ExifProfile();
        exif.SetValue(ExifTag.Orientation, (ushort)6);
        exif.SetValue(ExifTag.MakerNote, Enumerable.Range(0, bytes).Select(i => (byte)i).ToArray());
        return Jpeg(width, height, exif: exif);
    }

    /// <summary>
    /// A valid JPEG with hand-written APP1 EXIF segments inserted after SOI: <paramref name="segments"/> of them, each
    /// the largest a segment can be (65533 bytes), whose IFD entries claim 4 G values at offsets past the segment.
    /// </summary>
    public static byte[] JpegWithLyingExif(int width, int height, int segments)
    {
        var jpeg = Jpeg(width, height);
        var payload = new byte[65533 - 2];
        "Exif\0\0"u8.CopyTo(payload);
        var tiff = payload.AsSpan(6);
        "II"u8.CopyTo(tiff);
        BinaryPrimitives.WriteUInt16LittleEndian(tiff[2..], 42);
        BinaryPrimitives.WriteUInt32LittleEndian(tiff[4..], 8); // first IFD at 8
        const int entries = 2000;
        BinaryPrimitives.WriteUInt16LittleEndian(tiff[8..], entries);
        for (var e = 0; e < entries; e++)
        {
            var entry = tiff.Slice(10 + e * 12, 12);
            BinaryPrimitives.WriteUInt16LittleEndian(entry, (ushort)(0x010E + e % 8)); // ImageDescription, Make, Model, ...
            BinaryPrimitives.WriteUInt16LittleEndian(entry[2..], 2); // ASCII
            BinaryPrimitives.WriteUInt32LittleEndian(entry[4..], uint.MaxValue); // count: 4 G characters
            BinaryPrimitives.WriteUInt32LittleEndian(entry[8..], 0x7FFF_FFF0); // value offset far past the segment
        }
        BinaryPrimitives.WriteUInt32LittleEndian(tiff[(10 + entries * 12)..], 8); // next IFD: itself, a loop
        using var result = new MemoryStream();
        result.Write(jpeg.AsSpan(0, 2));
        for (var s = 0; s < segments; s++)
        {
            result.Write([0xFF, 0xE1]);
            result.Write([(byte)((payload.Length + 2) >> 8), (byte)((payload.Length + 2) & 0xFF)]);
            result.Write(payload);
        }
        result.Write(jpeg.AsSpan(2));
        return result.ToArray();
    }

    public static byte[] Text(string text) => Encoding.UTF8.GetBytes(text);

    public static byte[] Truncated(byte[] file) => file[..(file.Length / 2)];

    private static Image<TPixel> Gradient<TPixel>(int width, int height, Func<int, int, TPixel> pixel)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        var image = new Image<TPixel>(width, height);
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
                image[x, y] = pixel(x, y);
        return image;
    }

    private static void WriteChunk(Stream png, string type, byte[] data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        png.Write(word);
        var typed = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        png.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32(typed));
        png.Write(word);
    }

    private static uint Crc32(byte[] bytes)
    {
        var crc = 0xFFFF_FFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB8_8320u : crc >> 1;
        }
        return ~crc;
    }
}
