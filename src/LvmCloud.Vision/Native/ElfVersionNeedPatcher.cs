using System.Buffers.Binary;
using System.Text;

namespace LvmCloud.Vision.Native;

/// <summary>
/// Rewrites one symbol-version requirement in an ELF64 little-endian shared library
/// (an entry of <c>.gnu.version_r</c>) so that it names an older version string that
/// is already in <c>.dynstr</c>. Used only when the machine's libstdc++ lacks a version
/// that a native library asks for but never binds a relocation to.
/// </summary>
public static class ElfVersionNeedPatcher
{
    private const uint ShtGnuVerneed = 0x6ffffffe;

    /// <summary>True when <paramref name="elf"/> declares a need for <paramref name="versionName"/>.</summary>
    public static bool Needs(byte[] elf, string versionName) => FindAux(elf, versionName) is not null;

    /// <summary>
    /// Points the need for <paramref name="fromVersion"/> at <paramref name="toVersion"/> (name offset and ELF hash).
    /// Returns false when the library does not need <paramref name="fromVersion"/>.
    /// </summary>
    public static bool Patch(byte[] elf, string fromVersion, string toVersion)
    {
        var aux = FindAux(elf, fromVersion);
        if (aux is null) return false;
        var (auxOffset, dynstrOffset, dynstrSize) = aux.Value;
        int target = IndexOfCString(elf, dynstrOffset, dynstrSize, toVersion);
        if (target < 0)
            throw new InvalidOperationException($"The version name '{toVersion}' is not in the library's .dynstr; cannot retarget '{fromVersion}'.");
        BinaryPrimitives.WriteUInt32LittleEndian(elf.AsSpan(auxOffset, 4), ElfHash(toVersion));
        BinaryPrimitives.WriteUInt32LittleEndian(elf.AsSpan(auxOffset + 8, 4), (uint)(target - dynstrOffset));
        return true;
    }

    /// <summary>The System V ELF hash of a symbol or version name.</summary>
    public static uint ElfHash(string name)
    {
        uint h = 0;
        foreach (byte c in Encoding.ASCII.GetBytes(name))
        {
            h = (h << 4) + c;
            uint g = h & 0xf0000000;
            if (g != 0) h ^= g >> 24;
            h &= ~g;
        }
        return h;
    }

    private static (int AuxOffset, int DynstrOffset, int DynstrSize)? FindAux(byte[] elf, string versionName)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("Not an ELF file.");
        if (elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException("Only 64-bit little-endian ELF files are supported.");
        var span = elf.AsSpan();
        long shoff = (long)BinaryPrimitives.ReadUInt64LittleEndian(span[0x28..]);
        int shentsize = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3a..]);
        int shnum = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3c..]);
        for (int i = 0; i < shnum; i++)
        {
            var sh = span.Slice((int)(shoff + (long)i * shentsize), shentsize);
            if (BinaryPrimitives.ReadUInt32LittleEndian(sh[4..]) != ShtGnuVerneed) continue;
            int offset = (int)BinaryPrimitives.ReadUInt64LittleEndian(sh[0x18..]);
            int link = (int)BinaryPrimitives.ReadUInt32LittleEndian(sh[0x28..]);
            int count = (int)BinaryPrimitives.ReadUInt32LittleEndian(sh[0x2c..]); // sh_info: number of Verneed entries
            var strSh = span.Slice((int)(shoff + (long)link * shentsize), shentsize);
            int strOffset = (int)BinaryPrimitives.ReadUInt64LittleEndian(strSh[0x18..]);
            int strSize = (int)BinaryPrimitives.ReadUInt64LittleEndian(strSh[0x20..]);
            int need = offset;
            for (int n = 0; n < count; n++)
            {
                int cnt = BinaryPrimitives.ReadUInt16LittleEndian(span[(need + 2)..]);
                int auxRel = (int)BinaryPrimitives.ReadUInt32LittleEndian(span[(need + 8)..]);
                int next = (int)BinaryPrimitives.ReadUInt32LittleEndian(span[(need + 12)..]);
                int aux = need + auxRel;
                for (int a = 0; a < cnt; a++)
                {
                    int name = (int)BinaryPrimitives.ReadUInt32LittleEndian(span[(aux + 8)..]);
                    if (ReadCString(elf, strOffset + name) == versionName) return (aux, strOffset, strSize);
                    int auxNext = (int)BinaryPrimitives.ReadUInt32LittleEndian(span[(aux + 12)..]);
                    if (auxNext == 0) break;
                    aux += auxNext;
                }
                if (next == 0) break;
                need += next;
            }
        }
        return null;
    }

    private static string ReadCString(byte[] data, int offset)
    {
        int end = Array.IndexOf(data, (byte)0, offset);
        return Encoding.ASCII.GetString(data, offset, end - offset);
    }

    private static int IndexOfCString(byte[] data, int start, int size, string value)
    {
        var needle = Encoding.ASCII.GetBytes(value + "\0");
        var hay = data.AsSpan(start, size);
        for (int i = 0; i <= hay.Length - needle.Length; i++)
        {
            // must start at a string boundary
            if ((i == 0 || hay[i - 1] == 0) && hay.Slice(i, needle.Length).SequenceEqual(needle)) return start + i;
        }
        return -1;
    }
}
