using System.Diagnostics;

namespace LvmCloud.Bench.RealSize;

/// <summary>
/// Runs a command as a child process and reads its peak resident memory (<c>VmHWM</c> of <c>/proc/PID/status</c>,
/// polled every 100 ms until it exits: the last reading is the peak unless the child grew in its final 100 ms).
/// </summary>
public static class ChildPeakMemory
{
    public sealed record Result(int ExitCode, double Seconds, long PeakResidentBytes, string OutputTail);

    public static Result Run(string fileName, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start '{fileName}'.");
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) Keep(output, e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Keep(output, e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        long peak = 0;
        string status = $"/proc/{process.Id}/status";
        while (!process.WaitForExit(100))
            peak = Math.Max(peak, ReadHwm(status));
        process.WaitForExit();
        return new Result(process.ExitCode, clock.Elapsed.TotalSeconds, peak, string.Join("\n", output));
    }

    private static void Keep(System.Collections.Concurrent.ConcurrentQueue<string> lines, string line)
    {
        lines.Enqueue(line);
        while (lines.Count > 20) lines.TryDequeue(out _);
    }

    private static long ReadHwm(string statusPath)
    {
        try
        {
            foreach (var line in File.ReadLines(statusPath))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        }
        catch (IOException)
        {
            // exited between the wait and the read
        }
        return 0;
    }
}
