using LvmCloud.Vision.Checkpoints;
using LvmCloud.Vision.Tests.Support;
using LvmCloud.Vision.Tokenizer;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Tokenizer;

public sealed class VqganTokenizerTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("lvm-vqgan-tokenizer-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    /// <summary>Writes a model folder (config.json + model.safetensors) for <paramref name="config"/> with random weights.</summary>
    private string SaveModel(VqganConfig config, string name)
    {
        var folder = Path.Combine(dir, name);
        using var model = new VqganModel(config);
        CheckpointWriter.Save(model, folder);
        config.Save(Path.Combine(folder, VqganTokenizer.ConfigFileName));
        return folder;
    }

    [Fact]
    public void Tokenizer_loaded_from_the_fixture_folder_encodes_the_reference_codes()
    {
        using var tokenizer = VqganTokenizer.Load(VqganFixture.Directory);
        using var images = VqganFixture.Tensor("pixel_values");
        using var expected = VqganFixture.Tensor("encode_indices");

        using var codes = tokenizer.Encode(images);

        Assert.Equal(VqganConfig.Load(VqganFixture.ConfigPath), tokenizer.Config);
        Assert.Equal(expected.data<long>().ToArray(), codes.data<long>().ToArray());
        Assert.False(codes.requires_grad);
    }

    [Fact]
    public void Decode_returns_the_reference_images_clamped_to_unit_range_without_gradients()
    {
        using var tokenizer = VqganTokenizer.Load(VqganFixture.Directory);
        using var codes = VqganFixture.Tensor("encode_indices");
        using var raw = VqganFixture.Tensor("decode_code_output");
        using var expected = raw.clamp(0.0, 1.0);

        using var images = tokenizer.Decode(codes);

        VqganFixture.AssertClose(expected, images, 1e-4, "tokenizer decode");
        Assert.False(images.requires_grad);
    }

    [Fact]
    public void Chunked_batches_give_the_same_results_as_one_batch()
    {
        var folder = SaveModel(VqganPresets.Tiny, "tiny");
        using var tokenizer = VqganTokenizer.Load(folder, maxBatchSize: 3);
        using var images = rand(3, 3, 16, 16);

        using var together = tokenizer.Encode(images);
        using var decodedTogether = tokenizer.Decode(together);
        tokenizer.MaxBatchSize = 2;
        using var chunked = tokenizer.Encode(images);
        using var decodedChunked = tokenizer.Decode(chunked);

        Assert.Equal(new long[] { 3, 64 }, chunked.shape);
        Assert.Equal(together.data<long>().ToArray(), chunked.data<long>().ToArray());
        VqganFixture.AssertClose(decodedTogether, decodedChunked, 1e-5, "chunked decode");
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.MaxBatchSize = 0);
    }

    [Fact]
    public void Tokenizer_saved_with_the_checkpoint_writer_reloads_to_the_same_codes()
    {
        var folder = Path.Combine(dir, "saved");
        using var original = new VqganModel(VqganPresets.Tiny);
        original.eval();
        CheckpointWriter.Save(original, folder);
        original.Config.Save(Path.Combine(folder, VqganTokenizer.ConfigFileName));
        using var images = rand(3, 3, 16, 16);
        using var expected = original.EncodeToCodes(images);
        using var expectedImages = original.DecodeToImages(expected);

        using var tokenizer = VqganTokenizer.Load(folder);
        using var codes = tokenizer.Encode(images);
        using var decoded = tokenizer.Decode(codes);

        Assert.Equal(expected.data<long>().ToArray(), codes.data<long>().ToArray());
        VqganFixture.AssertClose(expectedImages, decoded, 1e-6, "reloaded decode");
    }

    [Fact]
    public void Loading_fails_naming_a_missing_tensor()
    {
        var folder = SaveModel(VqganPresets.Tiny with { NoAttnMidBlock = true }, "no-mid-attention");
        VqganPresets.Tiny.Save(Path.Combine(folder, VqganTokenizer.ConfigFileName));

        var error = Assert.Throws<CheckpointException>(() => VqganTokenizer.Load(folder));
        Assert.Contains("missing tensor 'encoder.mid.attn_1.q.weight'", error.Message);
        Assert.Contains(error.Problems, p => p.Contains("decoder.mid.attn_1.proj_out.bias"));
    }

    [Fact]
    public void Loading_fails_naming_a_misshapen_tensor()
    {
        var folder = SaveModel(VqganPresets.Tiny with { NumEmbeddings = 32 }, "fewer-codes");
        VqganPresets.Tiny.Save(Path.Combine(folder, VqganTokenizer.ConfigFileName));

        var error = Assert.Throws<CheckpointException>(() => VqganTokenizer.Load(folder));
        Assert.Contains("misshapen tensor 'quantize.embedding.weight'", error.Message);
        Assert.Single(error.Problems);
    }

    [Fact]
    public void Loading_a_folder_without_config_or_weights_says_which_file_is_missing()
    {
        Assert.Throws<DirectoryNotFoundException>(() => VqganTokenizer.Load(Path.Combine(dir, "absent")));

        var noConfig = Directory.CreateDirectory(Path.Combine(dir, "no-config")).FullName;
        Assert.Contains("config.json", Assert.Throws<FileNotFoundException>(() => VqganTokenizer.Load(noConfig)).Message);

        var noWeights = Directory.CreateDirectory(Path.Combine(dir, "no-weights")).FullName;
        VqganPresets.Tiny.Save(Path.Combine(noWeights, VqganTokenizer.ConfigFileName));
        Assert.Contains("No weights", Assert.Throws<FileNotFoundException>(() => VqganTokenizer.Load(noWeights)).Message);
    }

    [Fact]
    public void Empty_or_malformed_batches_are_rejected()
    {
        var folder = SaveModel(VqganPresets.Tiny, "tiny");
        using var tokenizer = VqganTokenizer.Load(folder);

        using var empty = zeros(0, 3, 16, 16);
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => tokenizer.Encode(empty)).Message);
        using var nonSquareCodes = zeros(1, 50, dtype: ScalarType.Int64);
        Assert.Contains("not a square number", Assert.Throws<ArgumentException>(() => tokenizer.Decode(nonSquareCodes)).Message);
    }
}
