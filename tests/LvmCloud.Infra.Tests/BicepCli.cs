using System.Diagnostics;
using System.Reflection;

namespace LvmCloud.Infra.Tests;

/// <summary>Runs the bicep CLI restored from the NuGet package Azure.Bicep.CommandLine.linux-x64.</summary>
internal static class BicepCli
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    public sealed record Result(int ExitCode, string StdOut, string StdErr)
    {
        /// <summary>Diagnostic lines of the given level ("Error", "Warning"), as bicep prints them.</summary>
        public IReadOnlyList<string> Diagnostics(string level) =>
            (StdErr + "\n" + StdOut).Split('\n')
                .Where(line => line.Contains($" : {level} ", StringComparison.Ordinal))
                .Select(line => line.Trim())
                .ToList();
    }

    public static string ExecutablePath
    {
        get
        {
            var path = typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .Single(a => a.Key == "BicepExecutable").Value;
            if (string.IsNullOrEmpty(path) || !File.Exists(path))
                throw new FileNotFoundException(
                    $"The bicep binary was not found at '{path}'; restore tests/LvmCloud.Infra.Tests (PackageDownload Azure.Bicep.CommandLine.linux-x64).", path);
            return path;
        }
    }

    public static async Task<Result> RunAsync(params string[] arguments)
    {
        var executable = ExecutablePath;
        EnsureExecutable(executable);
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {executable}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bicep {string.Join(' ', arguments)} did not finish within {Timeout}.");
        }
        return new Result(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>NuGet extracts package files without execute bits on some systems.</summary>
    private static void EnsureExecutable(string path)
    {
        if (OperatingSystem.IsWindows())
            return;
        var mode = File.GetUnixFileMode(path);
        const UnixFileMode execute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        if ((mode & UnixFileMode.UserExecute) == 0)
            File.SetUnixFileMode(path, mode | execute);
    }
}
