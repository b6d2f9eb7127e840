using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using TorchSharp;

namespace LvmCloud.Vision.Native;

/// <summary>
/// Makes TorchSharp's native library loadable before the first <c>torch</c> call.
/// TorchSharp 0.107's <c>libLibTorchSharp.so</c> declares a need for <c>GLIBCXX_3.4.32</c>
/// (GCC 13's iostream-init marker, bound by no relocation). Distributions with an older
/// libstdc++ (Debian 12 stops at 3.4.30) refuse to load it. Where, and only where, the
/// original fails to load for that reason, a copy whose version need names
/// <c>GLIBCXX_3.4.9</c> instead is loaded and handed to TorchSharp.
/// </summary>
public static class TorchRuntime
{
    private const string NativeName = "libLibTorchSharp.so";
    private const string MissingVersion = "GLIBCXX_3.4.32";
    private const string ReplacementVersion = "GLIBCXX_3.4.9";
    private static readonly Lock Gate = new();
    private static bool _initialized;

    /// <summary>How the native library was made loadable: "native" (as shipped), "patched-copy", or "not-linux".</summary>
    public static string LoadMode { get; private set; } = "not-initialized";

    /// <summary>Call once before any TorchSharp API. Safe to call many times and from many threads.</summary>
    public static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (_initialized) return;
            LoadMode = Initialize();
            _initialized = true;
        }
    }

    private static string Initialize()
    {
        OpenMpWaitPolicy.ApplyDefault(); // before libgomp loads: it reads its environment once
        if (!OperatingSystem.IsLinux()) return "not-linux";
        string? original = FindNativeLibrary();
        if (original is null) return "torchsharp-default"; // TorchSharp probes on its own (e.g. a CUDA install)
        string dir = Path.GetDirectoryName(original)!;
        PreloadDependencies(dir);
        if (NativeLibrary.TryLoad(original, out _)) return "native";

        byte[] elf = File.ReadAllBytes(original);
        if (!ElfVersionNeedPatcher.Needs(elf, MissingVersion))
            throw new InvalidOperationException(
                $"TorchSharp's native library '{original}' failed to load, and not because of the {MissingVersion} need this project knows how to fix. " +
                "Check that the libtorch package matching TorchSharp (libtorch-cpu-linux-x64 2.10.0) is restored next to it (`ldd` on the file shows what is missing).");
        string patched = WritePatchedCopy(original, elf);
        try
        {
            IntPtr handle = NativeLibrary.Load(patched);
            NativeLibrary.SetDllImportResolver(typeof(torch).Assembly, (name, _, _) =>
                name is "LibTorchSharp" or "libLibTorchSharp" or NativeName ? handle : IntPtr.Zero);
            return "patched-copy";
        }
        catch (Exception e)
        {
            throw new InvalidOperationException(
                $"TorchSharp cannot load: '{original}' needs {MissingVersion} (GCC 13's libstdc++) and this system's libstdc++ is older. " +
                $"The automatic fix (a copy at '{patched}' whose version need names {ReplacementVersion}) also failed: {e.Message}. " +
                "Fix: run on a distribution with GCC 13+ libstdc++ (e.g. Ubuntu 24.04), or make the folder above writable.", e);
        }
    }

    private static string? FindNativeLibrary()
    {
        var torchDir = Path.GetDirectoryName(typeof(torch).Assembly.Location) ?? AppContext.BaseDirectory;
        string[] candidates =
        [
            Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", NativeName),
            Path.Combine(torchDir, "runtimes", "linux-x64", "native", NativeName),
            Path.Combine(AppContext.BaseDirectory, NativeName),
            Path.Combine(torchDir, NativeName),
        ];
        return candidates.FirstOrDefault(File.Exists);
    }

    private static void PreloadDependencies(string dir)
    {
        // Loaded by full path so that a copy of LibTorchSharp elsewhere finds them by soname.
        foreach (var dep in new[] { "libc10.so", "libtorch_cpu.so", "libtorch.so" })
        {
            var path = Path.Combine(dir, dep);
            if (File.Exists(path)) NativeLibrary.TryLoad(path, out _);
        }
    }

    private static string WritePatchedCopy(string original, byte[] elf)
    {
        ElfVersionNeedPatcher.Patch(elf, MissingVersion, ReplacementVersion);
        string hash = Convert.ToHexString(SHA256.HashData(elf))[..16].ToLowerInvariant();
        string fileName = $"libLibTorchSharp.{hash}.so";
        foreach (var dir in CandidateDirectories(original))
        {
            try
            {
                Directory.CreateDirectory(dir);
                string path = Path.Combine(dir, fileName);
                if (File.Exists(path) && new FileInfo(path).Length == elf.Length) return path;
                string tmp = path + "." + Environment.ProcessId + ".tmp";
                File.WriteAllBytes(tmp, elf);
                File.Move(tmp, path, overwrite: true);
                return path;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        throw new InvalidOperationException(
            $"TorchSharp cannot load: '{original}' needs {MissingVersion} (GCC 13's libstdc++) and this system's libstdc++ is older; " +
            "no writable folder was found for the patched copy. Fix: set XDG_CACHE_HOME to a writable folder, or run on a distribution with GCC 13+.");
    }

    private static IEnumerable<string> CandidateDirectories(string original)
    {
        yield return Path.GetDirectoryName(original)!;
        var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (string.IsNullOrEmpty(cache))
            cache = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        yield return Path.Combine(cache, "lvmcloud", "native");
        yield return Path.Combine(Path.GetTempPath(), "lvmcloud-native");
    }

    internal static Assembly TorchAssembly => typeof(torch).Assembly;
}
