using System.Buffers.Binary;

namespace LvmCloud.Core.Images;

/// <summary>WebP: a RIFF container ("RIFF", u32 LE size, "WEBP", chunks padded to even sizes); animation frames are ANMF chunks.</summary>
internal static class WebpContainer
{
    private const int RiffHeaderLength = 12;

    public static int CountFrames(ReadOnlySpan<byte> data, string name)
    {
        if (data.Length < RiffHeaderLength)
        {
            throw ContainerScan.Truncated(name, "WebP", "RIFF header");
        }

        long riffEnd = 8L + BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
        if (riffEnd > data.Length)
        {
            throw ContainerScan.Truncated(name, "WebP", $"RIFF says {riffEnd} bytes, file has {data.Length}");
        }

        int pos = RiffHeaderLength;
        int animationFrames = 0;
        int chunks = 0;
        while (pos + 8 <= riffEnd)
        {
            ReadOnlySpan<byte> fourCc = data.Slice(pos, 4);
            long size = BinaryPrimitives.ReadUInt32LittleEndian(data[(pos + 4)..]);
            long next = pos + 8 + size + (size & 1);
            if (pos + 8 + size > riffEnd)
            {
                throw ContainerScan.Truncated(name, "WebP", $"chunk at byte {pos} needs {size} bytes");
            }

            if (fourCc.SequenceEqual("ANMF"u8))
            {
                animationFrames++;
            }

            chunks++;
            pos = (int)Math.Min(next, riffEnd);
        }

        if (chunks == 0)
        {
            throw ContainerScan.Corrupt(name, "WebP", "no chunks");
        }

        return Math.Max(1, animationFrames);
    }
}
