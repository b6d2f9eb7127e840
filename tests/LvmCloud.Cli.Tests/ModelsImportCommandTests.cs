using LvmCloud.Cli.Tests.Support;
using LvmCloud.Vision.Pipelines;
using LvmCloud.Vision.Transformer;
using static TorchSharp.torch;

namespace LvmCloud.Cli.Tests;

public sealed class ModelsImportCommandTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public ModelsImportCommandTests()
    {
        Directory.CreateDirectory(Tokenizer);
        var vqgan = Path.Combine(AppContext.BaseDirectory, "Fixtures", "vqgan");
        foreach (var name in new[] { "config.json", "pytorch_model.bin" })
            File.Copy(Path.Combine(vqgan, name), Path.Combine(Tokenizer, name));
        manual_seed(1);
        using var model = new LlamaForCausalLM(new LlamaConfig(72, 32, 64, 1, 4, 4, MaxPositionEmbeddings: 1024));
        model.SavePretrained(Transformer);
    }

    private string Transformer => _temp.File("transformer-repo");
    private string Tokenizer => _temp.File("vqgan-repo");
    private string Output => _temp.File("model");

    public void Dispose() => _temp.Dispose();

    private Task<CliResult> ImportAsync(int contextFrames) => CliRun.RunAsync("models", "import", "--transformer", Transformer, "--tokenizer", Tokenizer,
        "--name", "lvm-cli", "--version", "2", "--context-frames", contextFrames.ToString(System.Globalization.CultureInfo.InvariantCulture), "--out", Output);

    [Fact]
    public async Task Import_prints_each_file_as_linked_and_the_model_folder()
    {
        var result = await ImportAsync(4);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(Path.GetFullPath(Output), result.Stdout.Trim());
        Assert.Contains("linked tokenizer/pytorch_model.bin", result.Stderr);
        Assert.Contains("linked transformer/model.safetensors", result.Stderr);
        Assert.Equal(new LvmModelSettings(4, "lvm-cli", "2"), LvmModelSettings.Load(Output));
    }

    [Fact]
    public async Task A_context_that_does_not_fit_exits_2_with_the_reason_and_writes_nothing()
    {
        var result = await ImportAsync(8);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("8 x 256 tokens per image = 2048 exceeds transformer/config.json max_position_embeddings 1024", result.Stderr);
        Assert.Contains("nothing was written", result.Stderr);
        Assert.False(Directory.Exists(Output));
    }
}
