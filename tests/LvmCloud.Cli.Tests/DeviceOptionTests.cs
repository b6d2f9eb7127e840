using LvmCloud.Cli.Tests.Support;
using LvmCloud.Vision.Devices;

namespace LvmCloud.Cli.Tests;

/// <summary><c>--device</c> and <c>--dtype</c> on the commands that run models.</summary>
public sealed class DeviceOptionTests
{
    private readonly Fixture llama = new(Fixture.LlamaMha);
    private readonly Fixture vqgan = new(Fixture.Vqgan);

    [Fact]
    public async Task Cuda_on_a_machine_without_it_is_an_input_error_that_names_the_fix()
    {
        if (ComputeDevice.CudaAvailable)
            return; // a GPU machine runs these commands on CUDA instead
        using var temp = new TempFolder();
        var tokens = temp.WriteRows("prompts.json", "tokens", llama.Rows("input_ids"));
        var codes = temp.WriteRows("codes.json", "codes", vqgan.Rows("encode_indices"));

        var runs = new[]
        {
            await CliRun.RunAsync("generate", "--transformer", llama.Directory, "--tokens", tokens, "--max-new-tokens", "2", "--device", "cuda"),
            await CliRun.RunAsync("perplexity", "--transformer", llama.Directory, "--tokens", tokens, "--target-start", "4", "--device", "cuda"),
            await CliRun.RunAsync("detokenize", "--tokenizer", vqgan.Directory, "--codes", codes, "--out", temp.File("out"), "--device", "cuda"),
        };

        Assert.All(runs, result =>
        {
            Assert.True(result.ExitCode == 2, result.ToString());
            Assert.Contains("CUDA was asked for (--device cuda) but this build/machine has none: build with -p:TorchBackend=cuda", result.Stderr);
            Assert.Equal("", result.Stdout);
        });
    }

    [Fact]
    public async Task Bfloat16_weights_on_the_cpu_generate_as_asked()
    {
        using var temp = new TempFolder();
        var tokens = temp.WriteRows("prompts.json", "tokens", llama.Rows("input_ids"));

        var result = await CliRun.RunAsync("generate", "--transformer", llama.Directory, "--tokens", tokens, "--max-new-tokens", "3",
            "--temperature", "0", "--device", "cpu", "--dtype", "bfloat16", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.All(result.Rows("tokens"), row => Assert.Equal(3, row.Length));
    }

    [Theory]
    [InlineData("--device", "gpu")]
    [InlineData("--dtype", "fp16")]
    public async Task A_name_outside_the_choices_does_not_parse(string option, string value)
    {
        using var temp = new TempFolder();
        var tokens = temp.WriteRows("prompts.json", "tokens", llama.Rows("input_ids"));

        var result = await CliRun.RunAsync("generate", "--transformer", llama.Directory, "--tokens", tokens, "--max-new-tokens", "2", option, value);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(value, result.Stderr);
    }
}
