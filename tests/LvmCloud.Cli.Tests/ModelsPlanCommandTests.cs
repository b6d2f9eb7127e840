using LvmCloud.Cli.Commands;
using LvmCloud.Cli.Tests.Support;
using LvmCloud.Vision.Memory;
using LvmCloud.Vision.Pipelines;
using LvmCloud.Vision.Transformer;

namespace LvmCloud.Cli.Tests;

/// <summary><c>lvm models plan</c>, and the memory plan refusing a model before <c>lvm complete</c> loads it.</summary>
public sealed class ModelsPlanCommandTests
{
    private static readonly string Bundled = CompleteCommand.DefaultModelDirectory();

    /// <summary>Runs the CLI with <see cref="MemoryBudget.OverrideVariable"/> set to <paramref name="gb"/> (the tests run one at a time).</summary>
    private static async Task<CliResult> WithMemoryLimit(string gb, params string[] args)
    {
        Environment.SetEnvironmentVariable(MemoryBudget.OverrideVariable, gb);
        try
        {
            return await CliRun.RunAsync(args);
        }
        finally
        {
            Environment.SetEnvironmentVariable(MemoryBudget.OverrideVariable, null);
        }
    }

    [Fact]
    public async Task Plan_json_gives_the_bundled_model_sizes_and_the_float32_choice()
    {
        var result = await WithMemoryLimit("8", "models", "plan", Bundled, "--device", "cpu", "--rows", "4", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var json = result.Json();
        long parameters = LlamaConfig.Load(Path.Combine(Bundled, LvmModel.TransformerFolder)).ParameterCount;
        Assert.Equal(parameters, json.GetProperty("parameters").GetInt64());
        Assert.Equal(parameters * 2, json.GetProperty("transformerBytes").GetProperty("bfloat16").GetInt64());
        Assert.Equal("float32", json.GetProperty("dtype").GetString());
        Assert.StartsWith("auto: float32 needs ", json.GetProperty("reason").GetString());
        Assert.Equal(8_000_000_000, json.GetProperty("freeBytes").GetInt64());
        Assert.Equal("LVM_MEMORY_LIMIT_GB=8", json.GetProperty("freeSource").GetString());
        Assert.Equal(4 * 64, json.GetProperty("sequenceLength").GetInt32()); // 4 frames of 64 tokens
        Assert.True(json.GetProperty("maxRows").GetInt32() >= 4);
        Assert.True(json.GetProperty("fits").GetBoolean());
    }

    [Fact]
    public async Task Plan_text_names_each_figure_and_where_the_free_memory_came_from()
    {
        var result = await WithMemoryLimit("8", "models", "plan", Bundled, "--device", "cpu");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("transformer in bfloat16:", result.Stdout);
        Assert.Contains("VQGAN (float32):", result.Stdout);
        Assert.Contains("KV cache per row (256 tokens, float32):", result.Stdout);
        Assert.Contains("free:                                      8.00 GB (LVM_MEMORY_LIMIT_GB=8)", result.Stdout);
        Assert.Contains("choice:                                    cpu float32 (auto: float32 needs ", result.Stdout);
    }

    [Fact]
    public async Task Plan_of_rows_that_do_not_fit_prints_the_plan_and_exits_with_the_does_not_fit_code()
    {
        var result = await WithMemoryLimit("1.05", "models", "plan", Bundled, "--device", "cpu", "--dtype", "float32", "--json");

        Assert.Equal(ExitCodes.ModelDoesNotFit, result.ExitCode);
        Assert.False(result.Json().GetProperty("fits").GetBoolean());
        Assert.Contains("The model does not fit in memory: the transformer in float32", result.Stderr);
        Assert.Contains("but 1.05 GB is free (LVM_MEMORY_LIMIT_GB=1.05). Nothing was loaded.", result.Stderr);
    }

    [Fact]
    public async Task Complete_with_float32_on_a_tiny_memory_limit_refuses_before_loading_and_writes_no_item()
    {
        using var temp = new TempFolder();
        Directory.CreateDirectory(temp.File("inputs"));
        File.WriteAllText(temp.File("manifest.jsonl"), """{"id": "a", "input": ["a.png"]}""" + "\n");
        string output = temp.File("out");

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = await WithMemoryLimit("0.5", "complete", temp.File("manifest.jsonl"), "--out", output, "--model", Bundled, "--device", "cpu", "--dtype", "float32");
        clock.Stop();

        Assert.Equal(ExitCodes.ModelDoesNotFit, result.ExitCode);
        Assert.Contains("The model does not fit in memory: the transformer in float32", result.Stderr);
        Assert.Contains("but 0.50 GB is free (LVM_MEMORY_LIMIT_GB=0.5). Nothing was loaded. Fix: ", result.Stderr);
        Assert.False(Directory.Exists(output), "no output folder, no item touched");
        Assert.Equal("", result.Stdout);
    }
}
