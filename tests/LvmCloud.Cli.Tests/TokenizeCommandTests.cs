using LvmCloud.Cli.Tests.Support;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Processing;

namespace LvmCloud.Cli.Tests;

public sealed class TokenizeCommandTests
{
    private readonly Fixture vqgan = new(Fixture.Vqgan);

    [Fact]
    public async Task Tokenize_json_codes_equal_the_reference_encode_indices()
    {
        using var temp = new TempFolder();
        var images = FixtureImages.WritePngs(vqgan, temp.Path);

        var result = await CliRun.RunAsync(["tokenize", "--tokenizer", vqgan.Directory, .. images, "--json"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(vqgan.Rows("encode_indices"), result.Rows("codes"));
    }

    [Fact]
    public async Task Tokenize_without_json_prints_one_line_per_image_with_its_code_count()
    {
        using var temp = new TempFolder();
        var images = FixtureImages.WritePngs(vqgan, temp.Path);
        int tokens = (int)vqgan.Shape("encode_indices")[1];

        var result = await CliRun.RunAsync(["tokenize", "--tokenizer", vqgan.Directory, .. images]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(images.Length, lines.Length);
        for (int i = 0; i < images.Length; i++)
            Assert.StartsWith($"{images[i]}: {tokens} codes", lines[i]);
    }

    [Fact]
    public async Task Tokenize_resizes_images_to_the_tokenizer_resolution()
    {
        using var temp = new TempFolder();
        var image = FixtureImages.WritePngs(vqgan, temp.Path)[0];
        using (var big = SixLabors.ImageSharp.Image.Load(image))
        {
            big.Mutate(x => x.Resize(big.Width * 3, big.Height * 2));
            big.SaveAsPng(temp.File("big.png"));
        }

        var result = await CliRun.RunAsync("tokenize", "--tokenizer", vqgan.Directory, temp.File("big.png"), "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(vqgan.Shape("encode_indices")[1], result.Rows("codes").Single().Length);
    }

    [Fact]
    public async Task Tokenize_rejects_a_file_that_is_not_an_image_with_exit_2()
    {
        using var temp = new TempFolder();
        var good = FixtureImages.WritePngs(vqgan, temp.Path)[0];
        File.WriteAllText(temp.File("broken.png"), "this is not a picture");

        var result = await CliRun.RunAsync("tokenize", "--tokenizer", vqgan.Directory, good, temp.File("broken.png"), "--json");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("broken.png", result.Stderr);
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public async Task Tokenize_rejects_a_missing_image_with_exit_2()
    {
        using var temp = new TempFolder();

        var result = await CliRun.RunAsync("tokenize", "--tokenizer", vqgan.Directory, temp.File("absent.png"), "--json");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("absent.png", result.Stderr);
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public async Task Tokenize_rejects_a_missing_tokenizer_folder_with_exit_2()
    {
        using var temp = new TempFolder();
        var images = FixtureImages.WritePngs(vqgan, temp.Path);

        var result = await CliRun.RunAsync(["tokenize", "--tokenizer", temp.File("no-such-model"), .. images, "--json"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("no-such-model", result.Stderr);
        Assert.Equal("", result.Stdout);
    }
}
