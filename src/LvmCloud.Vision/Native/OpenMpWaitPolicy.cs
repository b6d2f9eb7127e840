using System.Runtime.InteropServices;

namespace LvmCloud.Vision.Native;

/// <summary>
/// Sets <c>OMP_WAIT_POLICY=PASSIVE</c> for libtorch's OpenMP (GNU libgomp) before it loads, unless the environment
/// already names a policy. By default libgomp's threads spin after each parallel region before they sleep; during a
/// decode step those spinning threads take the cores from the next small op and from <see cref="Kernels.HalfGemv"/>'s
/// worker, so on 2 cores a bfloat16 decode step at 7B size ran 1.4-1.8x slower (docs/benchmarks.md, "OpenMP wait
/// policy"). Large operations (prefill GEMMs, VQGAN convolutions) pay only a wake-up per region; the sample batch ran
/// at the same speed either way. Read once, when libgomp initialises: it must run before the first <c>torch</c> call.
/// </summary>
public static class OpenMpWaitPolicy
{
    public const string Variable = "OMP_WAIT_POLICY";
    public const string Passive = "PASSIVE";

    /// <summary>The policy in force after <see cref="ApplyDefault"/>: the user's, or <see cref="Passive"/>.</summary>
    public static string? Effective { get; private set; }

    /// <summary>Puts <see cref="Passive"/> into the process environment (the native one libgomp reads) when it is unset.</summary>
    public static void ApplyDefault()
    {
        var current = Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrEmpty(current))
        {
            Effective = current;
            return;
        }
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
            _ = setenv(Variable, Passive, 0); // Environment.SetEnvironmentVariable changes only .NET's copy on Unix
        Environment.SetEnvironmentVariable(Variable, Passive);
        Effective = Passive;
    }

    [DllImport("libc", CharSet = CharSet.Ansi, SetLastError = false)]
    private static extern int setenv(string name, string value, int overwrite);
}
