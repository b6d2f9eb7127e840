using LvmCloud.Cli.Tests.Support;
using LvmCloud.Vision.Transformer;

namespace LvmCloud.Cli.Tests;

public sealed class PerplexityCommandTests
{
    private readonly Fixture llama = new(Fixture.LlamaGqa);

    [Fact]
    public async Task Perplexity_equals_the_perplexity_api_for_rows_of_different_lengths()
    {
        using var temp = new TempFolder();
        var sequences = llama.Rows("greedy_full_sequence");
        long[][] rows = [sequences[0], sequences[1][..30]];
        var tokens = temp.WriteRows("rows.json", "tokens", rows);

        var result = await CliRun.RunAsync("perplexity", "--transformer", llama.Directory, "--tokens", tokens, "--target-start", "24", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var actual = result.Json().GetProperty("perplexity").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        using var model = LlamaForCausalLM.FromPretrained(llama.Directory);
        var expected = Vision.Generation.Perplexity.Compute(model, rows, 24);
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.Equal(expected[i], actual[i], 1e-9);
        Assert.All(actual, p => Assert.True(p >= 1, $"perplexity {p} below 1"));
    }

    [Fact]
    public async Task Greedy_continuations_score_lower_perplexity_than_shuffled_ones()
    {
        using var temp = new TempFolder();
        var greedy = llama.Rows("greedy_full_sequence")[0];
        var shuffled = greedy[..24].Concat(greedy[24..].Reverse()).ToArray();
        var tokens = temp.WriteRows("rows.json", "tokens", [greedy, shuffled]);

        var result = await CliRun.RunAsync("perplexity", "--transformer", llama.Directory, "--tokens", tokens, "--target-start", "24", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var values = result.Json().GetProperty("perplexity").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Assert.True(values[0] < values[1], $"greedy {values[0]} vs shuffled {values[1]}");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("40")]
    [InlineData("100")]
    public async Task Perplexity_rejects_a_target_start_out_of_range_with_exit_2(string targetStart)
    {
        using var temp = new TempFolder();
        var tokens = temp.WriteRows("rows.json", "tokens", llama.Rows("greedy_full_sequence"));   // 40 tokens per row

        var result = await CliRun.RunAsync("perplexity", "--transformer", llama.Directory, "--tokens", tokens, "--target-start", targetStart, "--json");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--target-start", result.Stderr);
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public async Task Perplexity_rejects_a_token_outside_the_vocabulary_with_exit_2()
    {
        using var temp = new TempFolder();
        var rows = llama.Rows("greedy_full_sequence");
        rows[0][30] = 5000;
        var tokens = temp.WriteRows("rows.json", "tokens", rows);

        var result = await CliRun.RunAsync("perplexity", "--transformer", llama.Directory, "--tokens", tokens, "--target-start", "24", "--json");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("5000", result.Stderr);
        Assert.Equal("", result.Stdout);
    }
}
