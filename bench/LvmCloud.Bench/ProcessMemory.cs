namespace LvmCloud.Bench;

/// <summary>This process's minor page faults and peak resident memory, from <c>/proc/self</c> (Linux).</summary>
public static class ProcessMemory
{
    /// <summary>Minor page faults so far (field 10 of <c>/proc/self/stat</c>): fresh pages touched for the first time.</summary>
    public static long MinorFaults()
    {
        var stat = File.ReadAllText("/proc/self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' '); // fields from 3 on (the name may hold spaces)
        return long.Parse(fields[10 - 3]);
    }

    /// <summary>Resets the peak resident size (<c>VmHWM</c>) to the current one; false where the kernel refuses.</summary>
    public static bool ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Peak resident size in bytes since the start or the last <see cref="ResetPeak"/>.</summary>
    public static long PeakResidentBytes()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return long.Parse(line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        throw new InvalidOperationException("No VmHWM in /proc/self/status.");
    }
}
