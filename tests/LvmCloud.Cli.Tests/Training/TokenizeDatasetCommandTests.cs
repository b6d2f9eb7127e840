using LvmCloud.Cli.Tests.Support;
using LvmCloud.Core.Tokens;

namespace LvmCloud.Cli.Tests.Training;

public sealed class TokenizeDatasetCommandTests : IDisposable
{
    private readonly Fixture _vqgan = new(Fixture.Vqgan);
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>A dataset folder of the fixture's two images: (0, 1), a sentence with a broken image, (1, 0).</summary>
    private string Dataset(params string[] extraLines)
    {
        string data = _temp.File("data");
        Directory.CreateDirectory(data);
        FixtureImages.WritePngs(_vqgan, data);
        File.WriteAllBytes(Path.Combine(data, "broken.png"), "not a png"u8.ToArray());
        File.WriteAllLines(Path.Combine(data, "sentences.jsonl"),
        [
            """{"images": ["input-0.png", "input-1.png"], "kind": "pairs"}""",
            """{"id": "bad-one", "images": ["input-0.png", "broken.png"]}""",
            """{"images": ["input-1.png", "input-0.png"]}""",
            .. extraLines,
        ]);
        return data;
    }

    [Fact]
    public async Task Shard_rows_are_the_reference_codes_and_a_sentence_with_a_broken_image_is_skipped_and_reported()
    {
        string data = Dataset();
        string stem = _temp.File("out/tokens");

        var result = await CliRun.RunAsync("tokenize-dataset", "--tokenizer", _vqgan.Directory, "--data", data, "--out", stem + ".jsonl", "--threads", "1", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var json = result.Json();
        Assert.Equal(2, json.GetProperty("sentences").GetInt32());
        var skipped = Assert.Single(json.GetProperty("skipped").EnumerateArray());
        Assert.Equal(("bad-one", 2, "unknown-format"), (skipped.GetProperty("id").GetString(), skipped.GetProperty("line").GetInt32(), skipped.GetProperty("reason").GetString()));
        var codes = _vqgan.Rows("encode_indices").Select(r => r.Select(c => (int)c).ToArray()).ToArray();
        foreach (string file in new[] { stem + ".jsonl", stem + ".bin" })
        {
            var shard = TokenShardReader.Read(file);
            Assert.Equal([[.. codes[0], .. codes[1]], [.. codes[1], .. codes[0]]], shard.Select(r => r.ToArray()));
        }

        var human = await CliRun.RunAsync("tokenize-dataset", "--tokenizer", _vqgan.Directory, "--data", data, "--out", stem, "--threads", "1");
        Assert.True(human.ExitCode == 0, human.ToString());
        Assert.Contains("skipped 1 sentence(s)", human.Stderr);
        Assert.Contains("bad-one (line 2): Image 'broken.png' rejected (unknown-format)", human.Stderr);
        Assert.Contains($"2 sentences → {stem}.jsonl", human.Stderr);
    }

    [Fact]
    public async Task An_invalid_line_is_an_error_naming_the_line_and_nothing_is_written()
    {
        string data = Dataset("""{"images": ["../outside.png"]}""");
        string stem = _temp.File("tokens");

        var result = await CliRun.RunAsync("tokenize-dataset", "--tokenizer", _vqgan.Directory, "--data", data, "--out", stem, "--threads", "1");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("has 1 invalid line(s); line 4:", result.Stderr);
        Assert.False(File.Exists(stem + ".jsonl"));
    }
}
