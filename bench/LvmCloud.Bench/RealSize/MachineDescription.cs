using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace LvmCloud.Bench.RealSize;

/// <summary>The machine line of a real-size table: CPU model, cores, torch threads, memory, OS, device.</summary>
public static class MachineDescription
{
    public static string Describe(Device device) =>
        $"Machine: {CpuModel()}, {Environment.ProcessorCount} logical CPUs, torch threads {get_num_threads()}, " +
        $"memory {MemInfoGb("MemTotal"):0.0} GB ({MemInfoGb("MemAvailable"):0.0} GB available at start), " +
        $"{RuntimeInformation.OSDescription}, .NET {Environment.Version}, device {device.type}, CUDA {(cuda.is_available() ? "available" : "not available")}, " +
        LoadAverage();

    /// <summary>The 1-minute load average (<c>/proc/loadavg</c>), with a warning when other work shared the CPUs.</summary>
    private static string LoadAverage()
    {
        if (!File.Exists("/proc/loadavg")) return "load average unknown";
        string first = File.ReadAllText("/proc/loadavg").Split(' ')[0];
        bool shared = double.TryParse(first, System.Globalization.CultureInfo.InvariantCulture, out var load) && load > Environment.ProcessorCount + 0.5;
        return $"load average {first}{(shared ? " (above the CPU count: the machine was shared, times are slower than it can do)" : "")}";
    }

    private static string CpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
                   ?? RuntimeInformation.ProcessArchitecture.ToString();
        }
        catch (IOException)
        {
            return RuntimeInformation.ProcessArchitecture.ToString();
        }
    }

    /// <summary>A <c>/proc/meminfo</c> field in GB (10⁹ bytes); NaN where the file is not there.</summary>
    public static double MemInfoGb(string field)
    {
        if (!File.Exists("/proc/meminfo")) return double.NaN;
        var line = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return line is null ? double.NaN : long.Parse(line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1]) * 1024 / 1e9;
    }
}
