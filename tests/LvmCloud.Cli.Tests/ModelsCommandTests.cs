using LvmCloud.Cli.Tests.Support;
using LvmCloud.Vision.Tokenizer;
using LvmCloud.Vision.Transformer;

namespace LvmCloud.Cli.Tests;

public sealed class ModelsCommandTests
{
    [Fact]
    public async Task Presets_json_lists_every_transformer_and_tokenizer_size_with_its_parameter_count()
    {
        var result = await CliRun.RunAsync("models", "presets", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var json = result.Json();
        var transformers = json.GetProperty("transformer").EnumerateArray()
            .ToDictionary(e => e.GetProperty("name").GetString()!, e => e.GetProperty("parameters").GetInt64());
        var tokenizers = json.GetProperty("tokenizer").EnumerateArray()
            .ToDictionary(e => e.GetProperty("name").GetString()!, e => e.GetProperty("parameters").GetInt64());
        Assert.Equal(LlamaPresets.All.ToDictionary(p => p.Name, p => p.ParameterCount), transformers);
        Assert.Equal(VqganPresets.All.ToDictionary(p => p.Name, p => p.ParameterCount), tokenizers);
        Assert.InRange(transformers["vqlm_7b"], 6_000_000_000, 7_500_000_000);
    }

    [Fact]
    public async Task Presets_without_json_prints_a_line_per_preset()
    {
        var result = await CliRun.RunAsync("models", "presets");

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(LlamaPresets.All.Count + VqganPresets.All.Count, lines.Length);
        Assert.Contains(lines, l => l.StartsWith("transformer") && l.Contains("bench_20m"));
        Assert.Contains(lines, l => l.StartsWith("tokenizer") && l.Contains("lvm"));
    }
}
