using System.Text.Json;

namespace LvmCloud.Cli.Tests.Support;

/// <summary>What one in-process <c>lvm</c> run printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>stdout parsed as one JSON document (fails the test when it is not JSON).</summary>
    public JsonElement Json()
    {
        using var document = JsonDocument.Parse(Stdout);
        return document.RootElement.Clone();
    }

    /// <summary>The integer rows under <paramref name="key"/> of the JSON output.</summary>
    public long[][] Rows(string key) =>
        Json().GetProperty(key).EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetInt64()).ToArray()).ToArray();

    public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
}

/// <summary>Runs the real command tree in-process with stdout and stderr captured.</summary>
public static class CliRun
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static async Task<CliResult> RunAsync(params string[] args)
    {
        await Gate.WaitAsync();
        var (stdout, stderr) = (Console.Out, Console.Error);
        using var capturedOut = new StringWriter();
        using var capturedErr = new StringWriter();
        try
        {
            Console.SetOut(capturedOut);
            Console.SetError(capturedErr);
            int code = await LvmApp.BuildRoot().Parse(args).InvokeAsync();
            return new CliResult(code, capturedOut.ToString(), capturedErr.ToString());
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
            Gate.Release();
        }
    }
}
