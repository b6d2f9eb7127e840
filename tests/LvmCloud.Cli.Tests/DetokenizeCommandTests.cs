using LvmCloud.Cli.Tests.Support;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace LvmCloud.Cli.Tests;

public sealed class DetokenizeCommandTests
{
    private readonly Fixture vqgan = new(Fixture.Vqgan);

    [Fact]
    public async Task Detokenize_writes_the_reference_decoding_as_pngs()
    {
        using var temp = new TempFolder();
        var codes = temp.WriteRows("codes.json", "codes", vqgan.Rows("encode_indices"));
        var outDir = temp.File("out");

        var result = await CliRun.RunAsync("detokenize", "--tokenizer", vqgan.Directory, "--codes", codes, "--out", outDir, "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var paths = result.Json().GetProperty("images").EnumerateArray().Select(p => p.GetString()!).ToArray();
        Assert.Equal([Path.Combine(outDir, "0000.png"), Path.Combine(outDir, "0001.png")], paths);

        // The reference decoding, clamped to [0, 1] and truncated to bytes as LVM saves it (±1 for float noise at a boundary).
        var shape = vqgan.Shape("decode_code_output");                // (B, 3, H, W)
        int height = (int)shape[2], width = (int)shape[3];
        var expected = vqgan.Floats("decode_code_output");
        for (int b = 0; b < paths.Length; b++)
        {
            using var image = Image.Load<Rgb24>(paths[b]);
            Assert.Equal((width, height), (image.Width, image.Height));
            int worst = 0;
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                {
                    var pixel = image[x, y];
                    byte[] actual = [pixel.R, pixel.G, pixel.B];
                    for (int c = 0; c < 3; c++)
                    {
                        float v = Math.Clamp(expected[((b * 3 + c) * height + y) * width + x], 0f, 1f);
                        worst = Math.Max(worst, Math.Abs(actual[c] - (int)(v * 255)));
                    }
                }
            Assert.True(worst <= 1, $"image {b}: a pixel differs by {worst} from the reference decoding");
        }
    }

    [Fact]
    public async Task Tokenize_then_detokenize_round_trips_to_pngs_at_the_model_resolution()
    {
        using var temp = new TempFolder();
        var images = FixtureImages.WritePngs(vqgan, temp.Path);
        var tokenized = await CliRun.RunAsync(["tokenize", "--tokenizer", vqgan.Directory, .. images, "--json"]);
        Assert.True(tokenized.ExitCode == 0, tokenized.ToString());
        File.WriteAllText(temp.File("codes.json"), tokenized.Stdout);

        var result = await CliRun.RunAsync("detokenize", "--tokenizer", vqgan.Directory, "--codes", temp.File("codes.json"), "--out", temp.File("out"));

        Assert.True(result.ExitCode == 0, result.ToString());
        var paths = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(images.Length, paths.Length);
        var resolution = SixLabors.ImageSharp.Image.Identify(images[0]).Width;
        foreach (var path in paths)
        {
            var info = Image.Identify(path);
            Assert.Equal((resolution, resolution), (info.Width, info.Height));
        }
    }

    [Fact]
    public async Task Detokenize_rejects_a_code_outside_the_codebook_with_exit_2()
    {
        using var temp = new TempFolder();
        var rows = vqgan.Rows("encode_indices");
        rows[1][5] = 100_000;
        var codes = temp.WriteRows("codes.json", "codes", rows);

        var result = await CliRun.RunAsync("detokenize", "--tokenizer", vqgan.Directory, "--codes", codes, "--out", temp.File("out"), "--json");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("100000", result.Stderr);
        Assert.Equal("", result.Stdout);
        Assert.False(Directory.Exists(temp.File("out")));
    }

    [Fact]
    public async Task Detokenize_rejects_a_row_that_is_not_a_square_grid_with_exit_2()
    {
        using var temp = new TempFolder();
        var codes = temp.WriteRows("codes.json", "codes", [[1, 2, 3]]);

        var result = await CliRun.RunAsync("detokenize", "--tokenizer", vqgan.Directory, "--codes", codes, "--out", temp.File("out"), "--json");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("square", result.Stderr);
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public async Task Detokenize_rejects_malformed_json_with_exit_2()
    {
        using var temp = new TempFolder();
        File.WriteAllText(temp.File("codes.json"), "{\"codes\": [[1, 2,");

        var result = await CliRun.RunAsync("detokenize", "--tokenizer", vqgan.Directory, "--codes", temp.File("codes.json"), "--out", temp.File("out"), "--json");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("not valid JSON", result.Stderr);
        Assert.Equal("", result.Stdout);
    }
}
