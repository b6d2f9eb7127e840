using System.Globalization;
using LvmCloud.Cli.Commands;
using LvmCloud.Cli.Tests.Support;
using LvmCloud.Core.Manifests;
using LvmCloud.Vision.Generation;
using LvmCloud.Vision.Transformer;

namespace LvmCloud.Cli.Tests;

public sealed class GenerateCommandTests
{
    private readonly Fixture llama = new(Fixture.LlamaMha);

    private Task<CliResult> Generate(string tokens, int newTokens, params string[] extra) =>
        CliRun.RunAsync(["generate", "--transformer", llama.Directory, "--tokens", tokens,
            "--max-new-tokens", newTokens.ToString(CultureInfo.InvariantCulture), .. extra, "--json"]);

    [Theory]
    [InlineData(Fixture.LlamaMha)]
    [InlineData(Fixture.LlamaGqa)]
    public async Task Greedy_generate_equals_the_reference_continuation(string name)
    {
        var fixture = new Fixture(name);
        using var temp = new TempFolder();
        var tokens = temp.WriteRows("prompts.json", "tokens", fixture.Rows("input_ids"));
        var expected = fixture.Rows("greedy_new_tokens");

        var result = await CliRun.RunAsync("generate", "--transformer", fixture.Directory, "--tokens", tokens,
            "--max-new-tokens", expected[0].Length.ToString(CultureInfo.InvariantCulture), "--temperature", "0", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(expected, result.Rows("tokens"));
    }

    [Fact]
    public async Task Prompts_of_different_lengths_continue_as_they_would_alone()
    {
        using var temp = new TempFolder();
        var prompts = llama.Rows("input_ids");
        var shorter = prompts[1][..(prompts[1].Length - 7)];
        var both = temp.WriteRows("both.json", "tokens", [prompts[0], shorter]);
        var alone = temp.WriteRows("alone.json", "tokens", [shorter]);

        var together = await Generate(both, 6, "--temperature", "0");
        var single = await Generate(alone, 6, "--temperature", "0");

        Assert.True(together.ExitCode == 0, together.ToString());
        Assert.True(single.ExitCode == 0, single.ToString());
        Assert.Equal(llama.Rows("greedy_new_tokens")[0][..6], together.Rows("tokens")[0]);
        Assert.Equal(single.Rows("tokens")[0], together.Rows("tokens")[1]);
    }

    [Fact]
    public async Task Sampling_gives_one_row_per_prompt_and_candidate_and_repeats_under_the_same_seed()
    {
        using var temp = new TempFolder();
        var tokens = temp.WriteRows("prompts.json", "tokens", llama.Rows("input_ids"));

        var first = await Generate(tokens, 8, "--candidates", "3", "--seed", "11", "--temperature", "1.5");
        var again = await Generate(tokens, 8, "--candidates", "3", "--seed", "11", "--temperature", "1.5");
        var otherSeed = await Generate(tokens, 8, "--candidates", "3", "--seed", "12", "--temperature", "1.5");

        Assert.True(first.ExitCode == 0, first.ToString());
        var rows = first.Rows("tokens");
        Assert.Equal(6, rows.Length);
        Assert.All(rows, row => Assert.Equal(8, row.Length));
        Assert.Equal(rows, again.Rows("tokens"));
        Assert.NotEqual(rows, otherSeed.Rows("tokens"));
        Assert.True(rows[0..3].Distinct(new RowComparer()).Count() > 1, "the candidates of a prompt should differ");
    }

    [Fact]
    public async Task Sampling_options_reach_the_engine_with_the_derived_row_seeds()
    {
        using var temp = new TempFolder();
        var prompts = llama.Rows("input_ids");
        var tokens = temp.WriteRows("prompts.json", "tokens", prompts);

        var result = await Generate(tokens, 5, "--candidates", "2", "--seed", "3", "--temperature", "0.8", "--top-k", "20", "--top-p", "0.9", "--allowed-vocab", "200");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var model = LlamaForCausalLM.FromPretrained(llama.Directory);
        var options = new GenerationOptions(5, new Sampling(Temperature: 0.8f, TopP: 0.9f, TopK: 20), Candidates: 2,
            Seeds: Enumerable.Range(0, 4).Select(r => GenerateCommand.RowSeed(3, r)).ToArray(), AllowedVocab: 200);
        using var expected = new GenerationEngine(model).Generate(prompts, options);
        var rows = result.Rows("tokens");
        for (int r = 0; r < rows.Length; r++)
            Assert.Equal(expected[r].data<long>().ToArray(), rows[r]);
        Assert.All(rows.SelectMany(r => r), id => Assert.InRange(id, 0, 199));
    }

    [Fact]
    public void Row_seeds_differ_per_row_and_per_seed()
    {
        Assert.Equal(GenerateCommand.RowSeed(5, 2), GenerateCommand.RowSeed(5, 2));
        Assert.NotEqual(GenerateCommand.RowSeed(5, 0), GenerateCommand.RowSeed(5, 1));
        Assert.NotEqual(GenerateCommand.RowSeed(5, 0), GenerateCommand.RowSeed(6, 0));
    }

    [Theory]
    [InlineData("{\"tokens\": [[1, 2, 3], [4, 300]]}", "300")]
    [InlineData("{\"tokens\": [[1, 2, 3], [-1]]}", "-1")]
    [InlineData("{\"tokens\": []}", "no rows")]
    [InlineData("{\"tokens\": [[1, 2], []]}", "row 1 is empty")]
    [InlineData("{\"tokens\": [[1, 2.5]]}", "not an integer")]
    [InlineData("{\"codes\": [[1, 2]]}", "\"tokens\"")]
    [InlineData("[[1, 2]", "not valid JSON")]
    public async Task Generate_rejects_bad_token_files_with_exit_2(string content, string expectedInError)
    {
        using var temp = new TempFolder();
        File.WriteAllText(temp.File("prompts.json"), content);

        var result = await Generate(temp.File("prompts.json"), 4, "--temperature", "0");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expectedInError, result.Stderr);
        Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public async Task Generate_rejects_a_missing_token_file_with_exit_2()
    {
        using var temp = new TempFolder();

        var result = await Generate(temp.File("absent.json"), 4);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("absent.json", result.Stderr);
        Assert.Equal("", result.Stdout);
    }

    [Theory]
    [InlineData("--max-new-tokens", "0")]
    [InlineData("--max-new-tokens", "1000")]
    [InlineData("--top-p", "1.5")]
    [InlineData("--candidates", "0")]
    [InlineData("--temperature", "-1")]
    public async Task Generate_rejects_bad_options_with_exit_2(string option, string value)
    {
        using var temp = new TempFolder();
        var tokens = temp.WriteRows("prompts.json", "tokens", llama.Rows("input_ids"));

        string[] options = option == "--max-new-tokens" ? [option, value] : ["--max-new-tokens", "4", option, value];

        var result = await CliRun.RunAsync(["generate", "--transformer", llama.Directory, "--tokens", tokens, .. options, "--json"]);

        Assert.Equal(2, result.ExitCode);
        Assert.NotEqual("", result.Stderr.Trim());
        Assert.Equal("", result.Stdout);
    }

    private sealed class RowComparer : IEqualityComparer<long[]>
    {
        public bool Equals(long[]? x, long[]? y) => x!.SequenceEqual(y!);
        public int GetHashCode(long[] row) => row.Aggregate(17, (h, v) => h * 31 + v.GetHashCode());
    }
}
