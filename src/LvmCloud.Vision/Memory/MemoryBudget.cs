using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Memory;

/// <summary>
/// How much memory this process may still use for a model, and where that number came from. On the CPU the smallest
/// of: the cgroup v2 limit (<c>memory.max</c> minus the cgroup's use, counting its inactive page cache as free), the
/// cgroup v1 limit the same way, and <c>/proc/meminfo</c>'s MemAvailable. On CUDA the free memory of the first
/// visible GPU as <c>nvidia-smi</c> reports it (TorchSharp has no <c>mem_get_info</c>); unknown when it cannot be
/// asked, and then nothing is refused. <see cref="OverrideVariable"/> (decimal GB) replaces all of it, so that users
/// and tests can plan for a smaller machine.
/// </summary>
/// <param name="FreeBytes">Bytes the process may still use; null when unknown.</param>
/// <param name="Source">Where <paramref name="FreeBytes"/> came from ("cgroup v2 memory.max", "MemAvailable", ...).</param>
public sealed record MemoryBudget(long? FreeBytes, string Source)
{
    /// <summary>Free memory in decimal GB, replacing what the machine reports (e.g. <c>LVM_MEMORY_LIMIT_GB=16</c>).</summary>
    public const string OverrideVariable = "LVM_MEMORY_LIMIT_GB";

    /// <summary>A budget of exactly <paramref name="gb"/> decimal GB, as the override gives.</summary>
    public static MemoryBudget Gigabytes(double gb, string source) => new((long)(gb * ByteSize.BytesPerGb), source);

    /// <summary>The budget for <paramref name="device"/> on this machine, or the override when <see cref="OverrideVariable"/> is set.</summary>
    /// <exception cref="ArgumentException">The override is not a positive number.</exception>
    public static MemoryBudget Detect(Device device) =>
        Detect(device, Environment.GetEnvironmentVariable(OverrideVariable), "/");

    /// <summary>
    /// As <see cref="Detect(Device)"/>, with the override's text and the root the <c>/sys</c> and <c>/proc</c> files are read
    /// under given (tests point it at a folder of their own).
    /// </summary>
    public static MemoryBudget Detect(Device device, string? overrideGb, string root)
    {
        if (!string.IsNullOrWhiteSpace(overrideGb))
        {
            if (!double.TryParse(overrideGb, NumberStyles.Float, CultureInfo.InvariantCulture, out double gb) || !(gb > 0) || double.IsInfinity(gb))
                throw new ArgumentException($"{OverrideVariable} must be a positive number of GB (e.g. 16 or 21.5), got '{overrideGb}'.");
            return Gigabytes(gb, $"{OverrideVariable}={overrideGb.Trim()}");
        }
        return device.type == DeviceType.CUDA ? CudaFree(device) : CpuFree(root);
    }

    /// <summary>The smallest of the cgroup v2, cgroup v1 and MemAvailable figures that exist under <paramref name="root"/>.</summary>
    public static MemoryBudget CpuFree(string root)
    {
        var found = new List<MemoryBudget>();
        if (CgroupV2(root) is { } v2) found.Add(v2);
        if (CgroupV1(root) is { } v1) found.Add(v1);
        if (MemInfoAvailable(root) is { } available) found.Add(available);
        return found.Count == 0
            ? new MemoryBudget(null, "unknown (no cgroup limit or /proc/meminfo readable)")
            : found.MinBy(b => b.FreeBytes!.Value)!;
    }

    private static MemoryBudget? CgroupV2(string root)
    {
        string dir = OwnCgroup(root, Path.Combine(root, "sys/fs/cgroup"), "0::");
        if (ReadNumber(Path.Combine(dir, "memory.max")) is not { } max || ReadNumber(Path.Combine(dir, "memory.current")) is not { } current)
            return null;
        long reclaimable = StatValue(Path.Combine(dir, "memory.stat"), "inactive_file") ?? 0;
        return new MemoryBudget(Math.Max(0, max - (current - reclaimable)), "cgroup v2 memory.max minus memory.current");
    }

    private static MemoryBudget? CgroupV1(string root)
    {
        string dir = OwnCgroup(root, Path.Combine(root, "sys/fs/cgroup/memory"), ":memory:");
        if (ReadNumber(Path.Combine(dir, "memory.limit_in_bytes")) is not { } limit || ReadNumber(Path.Combine(dir, "memory.usage_in_bytes")) is not { } usage)
            return null;
        if (limit >= long.MaxValue / 2) // "no limit" is a page-rounded 2^63
            return null;
        long reclaimable = StatValue(Path.Combine(dir, "memory.stat"), "total_inactive_file") ?? 0;
        return new MemoryBudget(Math.Max(0, limit - (usage - reclaimable)), "cgroup v1 memory.limit_in_bytes minus memory.usage_in_bytes");
    }

    /// <summary>
    /// The process's own cgroup folder under <paramref name="hierarchy"/> (the path after <paramref name="marker"/> in
    /// <c>/proc/self/cgroup</c>: "0::/a/b" for v2, "4:memory:/a/b" for v1) when it is visible, else the hierarchy's root.
    /// </summary>
    private static string OwnCgroup(string root, string hierarchy, string marker)
    {
        foreach (var line in ReadText(Path.Combine(root, "proc/self/cgroup"))?.Split('\n') ?? [])
        {
            int at = line.IndexOf(marker, StringComparison.Ordinal);
            if (at < 0 || (marker == "0::" && at != 0))
                continue;
            string relative = line[(at + marker.Length)..].Trim().TrimStart('/');
            if (relative.Length > 0 && Directory.Exists(Path.Combine(hierarchy, relative)))
                return Path.Combine(hierarchy, relative);
        }
        return hierarchy;
    }

    private static MemoryBudget? MemInfoAvailable(string root)
    {
        var line = ReadText(Path.Combine(root, "proc/meminfo"))?.Split('\n').FirstOrDefault(l => l.StartsWith("MemAvailable:", StringComparison.Ordinal));
        var parts = line?.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        return parts is { Length: >= 2 } && long.TryParse(parts[1], CultureInfo.InvariantCulture, out long kb)
            ? new MemoryBudget(kb * 1024, "/proc/meminfo MemAvailable")
            : null;
    }

    private static MemoryBudget CudaFree(Device device)
    {
        string index = device.index >= 0 ? device.index.ToString(CultureInfo.InvariantCulture) : "0";
        try
        {
            using var process = Process.Start(new ProcessStartInfo("nvidia-smi", ["--query-gpu=memory.free", "--format=csv,noheader,nounits", "-i", index])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            })!;
            string output = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(5000))
                process.Kill();
            if (process.ExitCode == 0 && long.TryParse(output.Trim().Split('\n')[0].Trim(), CultureInfo.InvariantCulture, out long mib))
                return new MemoryBudget(mib * 1024 * 1024, $"nvidia-smi memory.free of GPU {index}");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            // No nvidia-smi on the PATH: fall through to unknown.
        }
        return new MemoryBudget(null, $"unknown (nvidia-smi could not report GPU {index}'s free memory; set {OverrideVariable})");
    }

    private static string? ReadText(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>A file holding one number; null when absent, unreadable or "max" (no limit).</summary>
    private static long? ReadNumber(string path) =>
        ReadText(path)?.Trim() is { } text && long.TryParse(text, CultureInfo.InvariantCulture, out long value) ? value : null;

    private static long? StatValue(string path, string key)
    {
        var line = ReadText(path)?.Split('\n').FirstOrDefault(l => l.StartsWith(key + " ", StringComparison.Ordinal));
        return line is not null && long.TryParse(line[(key.Length + 1)..].Trim(), CultureInfo.InvariantCulture, out long value) ? value : null;
    }
}
