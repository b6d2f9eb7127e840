using LvmCloud.Cli.Interaction;
using LvmCloud.Cli.Output;

namespace LvmCloud.Cli.Tests.Output;

public sealed class CommandOutputTests
{
    [Theory]
    [InlineData(0, "registered model", null, "0 registered models")]
    [InlineData(1, "registered model", null, "1 registered model")]
    [InlineData(2, "registered model", null, "2 registered models")]
    [InlineData(1, "batch", "batches", "1 batch")]
    [InlineData(3, "batch", "batches", "3 batches")]
    [InlineData(12001, "file", null, "12001 files")]
    public void Count_words_the_noun_in_its_number(long count, string singular, string? plural, string expected) =>
        Assert.Equal(expected, CommandOutput.Count(count, singular, plural));

    [Fact]
    public void Json_is_camel_case_like_the_http_api_and_leaves_nulls_out()
    {
        var stdout = new StringWriter();
        var output = new CommandOutput(new ConsoleInteraction(jsonOutput: true, stdout, new StringWriter(), interactive: false));

        output.Write(new Answer("b20260101000000-0123456789abcdef", HasSentences: true, ActiveRun: null), () => throw new InvalidOperationException("not in --json mode"));

        Assert.Equal("{\"batchId\":\"b20260101000000-0123456789abcdef\",\"hasSentences\":true}" + Environment.NewLine, stdout.ToString());
    }

    [Fact]
    public void Without_json_the_people_view_runs_and_nothing_is_serialized()
    {
        var stdout = new StringWriter();
        var output = new CommandOutput(new ConsoleInteraction(jsonOutput: false, stdout, new StringWriter(), interactive: false));

        output.Write(new Answer("b1", true, null), () => output.WriteLine("b1 people"));

        Assert.Equal("b1 people" + Environment.NewLine, stdout.ToString());
    }

    [Fact]
    public async Task Progress_reported_from_parallel_workers_prints_its_lines_in_order()
    {
        var stderr = new StringWriter();
        var output = new CommandOutput(new ConsoleInteraction(jsonOutput: false, new StringWriter(), stderr, interactive: false));
        const int Files = 2000;

        await output.WithProgressAsync("upload", Files, async progress =>
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, Files), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, ct) =>
            {
                await Task.Yield();
                progress.Advance(1);
            });
            return true;
        });

        var counts = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => int.Parse(l.Split(' ')[1].Split('/')[0], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(11, counts.Count); // 0%..100%, each decile once
        Assert.Equal(counts.Order(), counts);
        Assert.Equal(Files, counts[^1]);
    }

    private sealed record Answer(string BatchId, bool HasSentences, string? ActiveRun);
}
