using System.Runtime.InteropServices;

namespace LvmCloud.Vision.Native;

/// <summary>
/// How libtorch's CPU tensors get their memory in a process that trains, set when training starts
/// (<c>LVM_CPU_ALLOCATOR</c>: <c>tuned</c>, the default, or <c>default</c> for glibc and libtorch as shipped).
/// <para>
/// As shipped, glibc serves every allocation above its mmap threshold (at most 32 MiB, and it starts at 128 KiB) with
/// a fresh <c>mmap</c> and returns it to the kernel on free, so each training step's large activations are new pages
/// that fault in one 4 KiB page at a time; page faults are expensive on virtual machines, and a step at batch 32 spent
/// most of its time in them (docs/training.md, "Step speed and memory"). <c>tuned</c> keeps freed memory in the
/// process for the next step instead: it turns glibc's mmap path off (<c>M_MMAP_MAX</c> 0, so large blocks come from
/// the heap and are reused) and raises the trim threshold (so the heap is not handed back after every step). A
/// process holds on to its peak heap until it exits, which is what a trainer or a worker reusing the same shapes
/// wants; memory plans (<c>MemoryPlanner</c>) already count the peak.
/// </para>
/// </summary>
public static class CpuAllocatorPolicy
{
    public const string Variable = "LVM_CPU_ALLOCATOR";
    public const string Tuned = "tuned";
    public const string Default = "default";

    private const int MallocTrimThreshold = -1; // M_TRIM_THRESHOLD
    private const int MallocMmapMax = -4;       // M_MMAP_MAX

    private static readonly Lock Gate = new();
    private static bool _applied;

    /// <summary>The policy in force after <see cref="Apply"/>: <see cref="Tuned"/> or <see cref="Default"/>.</summary>
    public static string Effective { get; private set; } = Default;

    /// <summary>
    /// Applies the policy the environment names (unset: <see cref="Tuned"/>), once per process; later calls do nothing.
    /// The trainers call it before their first step.
    /// </summary>
    /// <exception cref="ArgumentException">The variable names no known policy.</exception>
    public static void Apply()
    {
        lock (Gate)
        {
            if (_applied) return;
            ApplyOnce();
            _applied = true;
        }
    }

    private static void ApplyOnce()
    {
        var policy = Parse(Environment.GetEnvironmentVariable(Variable));
        if (policy == Tuned && OperatingSystem.IsLinux() && IsGlibc())
        {
            // Failures leave glibc's defaults in force: slower steps, never wrong results.
            bool applied = mallopt(MallocMmapMax, 0) == 1;
            applied &= mallopt(MallocTrimThreshold, int.MaxValue) == 1;
            Effective = applied ? Tuned : Default;
            return;
        }
        Effective = Default;
    }

    /// <summary>The policy <paramref name="value"/> names (null or blank: <see cref="Tuned"/>).</summary>
    /// <exception cref="ArgumentException">It names no known policy.</exception>
    public static string Parse(string? value)
    {
        var policy = string.IsNullOrWhiteSpace(value) ? Tuned : value.Trim().ToLowerInvariant();
        return policy is Tuned or Default
            ? policy
            : throw new ArgumentException($"{Variable}={value} is not a CPU allocator policy: use '{Tuned}' (the default) or '{Default}'.");
    }

    private static bool IsGlibc()
    {
        try
        {
            return gnu_get_libc_version() != IntPtr.Zero;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return false; // musl and others: leave their allocator alone
        }
    }

    [DllImport("libc", SetLastError = false)]
    private static extern int mallopt(int param, int value);

    [DllImport("libc", SetLastError = false)]
    private static extern IntPtr gnu_get_libc_version();
}
