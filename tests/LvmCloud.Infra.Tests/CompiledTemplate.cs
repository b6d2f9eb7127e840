using System.Text.Json;

namespace LvmCloud.Infra.Tests;

/// <summary><c>bicep build infra/main.bicep --stdout</c>, run once for the test run.</summary>
internal static class CompiledTemplate
{
    private static readonly Lazy<Task<BicepCli.Result>> Build = new(() => BicepCli.RunAsync("build", InfraFiles.MainBicep, "--stdout"));

    public static Task<BicepCli.Result> BuildAsync() => Build.Value;

    public static async Task<JsonDocument> JsonAsync()
    {
        var result = await BuildAsync();
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"bicep build failed ({result.ExitCode}):\n{result.StdErr}");
        return JsonDocument.Parse(result.StdOut);
    }
}
