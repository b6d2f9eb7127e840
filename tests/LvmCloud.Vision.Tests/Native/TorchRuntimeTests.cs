using System.Text;
using LvmCloud.Vision.Native;
using TorchSharp;

namespace LvmCloud.Vision.Tests.Native;

public class TorchRuntimeTests
{
    [Fact]
    public void Torch_loads_and_multiplies_matrices()
    {
        TorchRuntime.EnsureLoaded();
        using var a = torch.arange(6, dtype: torch.float32).reshape(2, 3);
        using var b = torch.ones(3, 2);
        using var c = a.matmul(b);
        Assert.Equal(new[] { 3f, 3f, 12f, 12f }, c.data<float>().ToArray());
        Assert.Contains(TorchRuntime.LoadMode, new[] { "native", "patched-copy", "not-linux" });
    }

    [Fact]
    public void Elf_hash_matches_the_System_V_definition()
    {
        // Values as glibc computes them for these version names (readelf -V shows the same hashes).
        Assert.Equal(0x08922974u, ElfVersionNeedPatcher.ElfHash("GLIBCXX_3.4"));
        Assert.Equal(0x09691a75u, ElfVersionNeedPatcher.ElfHash("GLIBC_2.2.5"));
    }

    [Fact]
    public void Patched_copy_no_longer_needs_the_missing_version()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        if (!File.Exists(path)) return; // only the Linux build ships this file
        var elf = File.ReadAllBytes(path);
        Assert.True(ElfVersionNeedPatcher.Needs(elf, "GLIBCXX_3.4.32"));
        Assert.True(ElfVersionNeedPatcher.Patch(elf, "GLIBCXX_3.4.32", "GLIBCXX_3.4.9"));
        Assert.False(ElfVersionNeedPatcher.Needs(elf, "GLIBCXX_3.4.32"));
        Assert.True(ElfVersionNeedPatcher.Needs(elf, "GLIBCXX_3.4.9"));
        Assert.Throws<InvalidDataException>(() => ElfVersionNeedPatcher.Needs(Encoding.ASCII.GetBytes("not an elf file at all, just text padding...................................."), "X"));
    }
}
