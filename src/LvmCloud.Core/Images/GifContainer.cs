namespace LvmCloud.Core.Images;

/// <summary>
/// GIF: header, logical screen descriptor, optional global colour table, then
/// extension blocks (0x21) and image descriptors (0x2C, one per frame), each
/// followed by data sub-blocks, up to the trailer (0x3B).
/// </summary>
internal static class GifContainer
{
    private const int HeaderLength = 6;
    private const int ScreenDescriptorLength = 7;

    public static int CountFrames(ReadOnlySpan<byte> data, string name)
    {
        int pos = HeaderLength + ScreenDescriptorLength;
        if (data.Length < pos)
        {
            throw ContainerScan.Truncated(name, "GIF", "header");
        }

        byte screenFlags = data[HeaderLength + 4];
        pos += ColourTableLength(screenFlags);
        int frames = 0;
        while (true)
        {
            if (pos >= data.Length)
            {
                // Some encoders omit the trailer; accept that only after a complete frame.
                if (frames > 0)
                {
                    return frames;
                }

                throw ContainerScan.Truncated(name, "GIF", "no image data");
            }

            byte introducer = data[pos++];
            switch (introducer)
            {
                case 0x3B:
                    if (frames == 0)
                    {
                        throw ContainerScan.Corrupt(name, "GIF", "no frames before the trailer");
                    }

                    return frames;
                case 0x21:
                    pos = SkipSubBlocks(data, pos + 1, name);
                    break;
                case 0x2C:
                    if (pos + 9 > data.Length)
                    {
                        throw ContainerScan.Truncated(name, "GIF", $"image descriptor of frame {frames + 1}");
                    }

                    byte flags = data[pos + 8];
                    pos += 9 + ColourTableLength(flags) + 1; // + LZW minimum code size
                    pos = SkipSubBlocks(data, pos, name);
                    frames++;
                    break;
                default:
                    throw ContainerScan.Corrupt(name, "GIF", $"unknown block 0x{introducer:X2} at byte {pos - 1}");
            }
        }
    }

    private static int ColourTableLength(byte flags) =>
        (flags & 0x80) != 0 ? 3 * (1 << ((flags & 0x07) + 1)) : 0;

    private static int SkipSubBlocks(ReadOnlySpan<byte> data, int pos, string name)
    {
        while (true)
        {
            if (pos >= data.Length)
            {
                throw ContainerScan.Truncated(name, "GIF", "data sub-blocks");
            }

            int size = data[pos];
            pos += 1 + size;
            if (size == 0)
            {
                return pos;
            }
        }
    }
}
