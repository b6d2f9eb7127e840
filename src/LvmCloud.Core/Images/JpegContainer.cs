using System.Buffers.Binary;

namespace LvmCloud.Core.Images;

/// <summary>
/// JPEG: SOI, then marker segments; after each SOS the entropy-coded data runs
/// until the next marker that is not a stuffed 0xFF00 or a restart marker. A
/// complete file reaches EOI.
/// </summary>
internal static class JpegContainer
{
    private const byte Soi = 0xD8;
    private const byte Eoi = 0xD9;
    private const byte Sos = 0xDA;

    public static int CountFrames(ReadOnlySpan<byte> data, string name)
    {
        if (data.Length < 4 || data[0] != 0xFF || data[1] != Soi)
        {
            throw ContainerScan.Corrupt(name, "JPEG", "missing start-of-image marker");
        }

        int pos = 2;
        while (true)
        {
            // Markers may be preceded by any number of 0xFF fill bytes.
            while (pos < data.Length && data[pos] == 0xFF && pos + 1 < data.Length && data[pos + 1] == 0xFF)
            {
                pos++;
            }

            if (pos + 2 > data.Length)
            {
                throw ContainerScan.Truncated(name, "JPEG", "no end-of-image marker");
            }

            if (data[pos] != 0xFF)
            {
                throw ContainerScan.Corrupt(name, "JPEG", $"expected a marker at byte {pos}");
            }

            byte marker = data[pos + 1];
            pos += 2;
            if (marker == Eoi)
            {
                return 1;
            }

            if (IsStandalone(marker))
            {
                continue;
            }

            if (pos + 2 > data.Length)
            {
                throw ContainerScan.Truncated(name, "JPEG", $"segment 0x{marker:X2} has no length");
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(data[pos..]);
            if (length < 2)
            {
                throw ContainerScan.Corrupt(name, "JPEG", $"segment 0x{marker:X2} length {length}");
            }

            if (pos + length > data.Length)
            {
                throw ContainerScan.Truncated(name, "JPEG", $"segment 0x{marker:X2} at byte {pos - 2} needs {length} bytes");
            }

            pos += length;
            if (marker == Sos)
            {
                pos = SkipEntropyCodedData(data, pos, name);
            }
        }
    }

    private static bool IsStandalone(byte marker) =>
        marker == 0x01 || marker == Soi || (marker >= 0xD0 && marker <= 0xD7);

    private static int SkipEntropyCodedData(ReadOnlySpan<byte> data, int pos, string name)
    {
        while (pos + 1 < data.Length)
        {
            if (data[pos] == 0xFF)
            {
                byte next = data[pos + 1];
                bool stuffedOrRestart = next == 0x00 || next == 0xFF || (next >= 0xD0 && next <= 0xD7);
                if (!stuffedOrRestart)
                {
                    return pos;
                }
            }

            pos++;
        }

        throw ContainerScan.Truncated(name, "JPEG", "scan data runs to the end of the file");
    }
}
