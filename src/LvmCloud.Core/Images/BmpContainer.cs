using System.Buffers.Binary;

namespace LvmCloud.Core.Images;

/// <summary>BMP: file header (pixel data offset at byte 10), info header; uncompressed rows are padded to 4 bytes.</summary>
internal static class BmpContainer
{
    private const int FileHeaderLength = 14;
    private const uint Uncompressed = 0;
    private const uint BitFields = 3;

    public static int CountFrames(ReadOnlySpan<byte> data, string name)
    {
        if (data.Length < FileHeaderLength + 16)
        {
            throw ContainerScan.Truncated(name, "BMP", "headers");
        }

        uint pixelOffset = BinaryPrimitives.ReadUInt32LittleEndian(data[10..]);
        uint infoSize = BinaryPrimitives.ReadUInt32LittleEndian(data[14..]);
        if (pixelOffset > data.Length)
        {
            throw ContainerScan.Truncated(name, "BMP", $"pixel data should start at byte {pixelOffset}");
        }

        // Only the common BITMAPINFOHEADER family (40+ bytes) has a size we can check cheaply.
        if (infoSize >= 40 && data.Length >= FileHeaderLength + 34)
        {
            long width = BinaryPrimitives.ReadInt32LittleEndian(data[18..]);
            long height = Math.Abs((long)BinaryPrimitives.ReadInt32LittleEndian(data[22..]));
            int bitsPerPixel = BinaryPrimitives.ReadUInt16LittleEndian(data[28..]);
            uint compression = BinaryPrimitives.ReadUInt32LittleEndian(data[30..]);
            if ((compression == Uncompressed || compression == BitFields) && width > 0 && bitsPerPixel > 0)
            {
                long rowBytes = ((width * bitsPerPixel) + 31) / 32 * 4;
                long needed = pixelOffset + (rowBytes * height);
                if (needed > data.Length)
                {
                    throw ContainerScan.Truncated(name, "BMP", $"pixel rows need {needed} bytes, file has {data.Length}");
                }
            }
        }

        return 1;
    }
}
