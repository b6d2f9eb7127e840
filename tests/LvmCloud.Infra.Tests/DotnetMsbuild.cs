using System.Diagnostics;
using System.Text.Json;

namespace LvmCloud.Infra.Tests;

/// <summary>
/// <c>dotnet msbuild -getItem</c> on a project: its items as evaluated for the given properties, without a restore or a
/// build, so a package that cannot be restored on this machine (TorchSharp-cuda-linux) can still be seen referenced.
/// </summary>
internal static class DotnetMsbuild
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(1);

    /// <summary>Item type → (identity, metadata) of each item, for <paramref name="itemTypes"/>.</summary>
    public static async Task<Dictionary<string, List<(string Identity, JsonElement Metadata)>>> GetItemsAsync(
        string project, IReadOnlyDictionary<string, string> properties, params string[] itemTypes)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = BuildMetadata.RepositoryRoot,
        };
        foreach (var argument in new[] { "msbuild", project, "-nologo" }
                     .Concat(itemTypes.Select(t => $"-getItem:{t}"))
                     .Concat(properties.Select(p => $"-p:{p.Key}={p.Value}")))
            start.ArgumentList.Add(argument);

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start dotnet msbuild.");
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
            throw new TimeoutException($"dotnet msbuild {project} did not finish within {Timeout}.");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"dotnet msbuild {project} exited {process.ExitCode}: {await stdout}{await stderr}");

        using var document = JsonDocument.Parse(await stdout);
        var items = document.RootElement.GetProperty("Items");
        return itemTypes.ToDictionary(
            t => t,
            t => items.TryGetProperty(t, out var list)
                ? list.EnumerateArray().Select(i => (i.GetProperty("Identity").GetString()!, i.Clone())).ToList()
                : []);
    }
}
