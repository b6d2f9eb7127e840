using System.Buffers.Binary;

namespace LvmCloud.Core.Images;

/// <summary>PNG: 8-byte signature, then chunks (u32 BE length, type, data, CRC) up to IEND.</summary>
internal static class PngContainer
{
    private const int SignatureLength = 8;

    public static int CountFrames(ReadOnlySpan<byte> data, string name)
    {
        int pos = SignatureLength;
        int frames = 1;
        bool sawIdat = false;
        while (true)
        {
            if (pos + 8 > data.Length)
            {
                throw ContainerScan.Truncated(name, "PNG", $"no IEND chunk, file ends at byte {data.Length}");
            }

            uint length = BinaryPrimitives.ReadUInt32BigEndian(data[pos..]);
            ReadOnlySpan<byte> type = data.Slice(pos + 4, 4);
            if (length > int.MaxValue)
            {
                throw ContainerScan.Corrupt(name, "PNG", $"chunk length {length} at byte {pos}");
            }

            long end = (long)pos + 12 + length;
            if (end > data.Length)
            {
                throw ContainerScan.Truncated(name, "PNG", $"chunk '{System.Text.Encoding.ASCII.GetString(type)}' at byte {pos} needs {length} bytes");
            }

            if (type.SequenceEqual("acTL"u8) && length >= 4)
            {
                frames = (int)Math.Min(int.MaxValue, BinaryPrimitives.ReadUInt32BigEndian(data[(pos + 8)..]));
            }

            sawIdat |= type.SequenceEqual("IDAT"u8);
            if (type.SequenceEqual("IEND"u8))
            {
                if (!sawIdat)
                {
                    throw ContainerScan.Corrupt(name, "PNG", "no IDAT chunk before IEND");
                }

                return Math.Max(frames, 1);
            }

            pos = (int)end;
        }
    }
}
