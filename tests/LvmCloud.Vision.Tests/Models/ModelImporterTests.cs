using LvmCloud.Vision.Models;
using LvmCloud.Vision.Pipelines;
using LvmCloud.Vision.Tokenizer;
using LvmCloud.Vision.Transformer;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Models;

public sealed class ModelImporterTests : IDisposable
{
    private readonly ImportSources _sources = new();

    public void Dispose() => _sources.Dispose();

    private ModelImportRequest Request(int contextFrames = 4) =>
        new(_sources.Transformer, _sources.Tokenizer, "lvm-test", "1", contextFrames, _sources.Output);

    [Fact]
    public void Imports_sharded_float16_transformer_and_bin_vqgan_as_hard_links_with_lvm_json()
    {
        var result = ModelImporter.Import(Request());

        var files = result.Files.Select(f => f.Path).ToList();
        Assert.Contains("transformer/config.json", files);
        Assert.Contains("transformer/model.safetensors.index.json", files);
        Assert.Contains("tokenizer/pytorch_model.bin", files);
        Assert.True(files.Count(f => f.StartsWith("transformer/model-", StringComparison.Ordinal)) > 1, "the transformer should be sharded");
        Assert.All(result.Files, f => Assert.True(f.Linked, $"{f.Path} was copied, though source and output share a file system"));
        // A hard link is the same file: a change through one name shows through the other.
        var source = Path.Combine(_sources.Tokenizer, "config.json");
        var linked = Path.Combine(_sources.Output, "tokenizer", "config.json");
        long before = new FileInfo(linked).Length;
        File.AppendAllText(source, "\n");
        Assert.Equal(before + 1, new FileInfo(linked).Length);

        var settings = LvmModelSettings.Load(_sources.Output);
        Assert.Equal(new LvmModelSettings(4, "lvm-test", "1"), settings);
        Assert.Equal(ImportSources.Config.ParameterCount, result.Transformer.ParameterCount);
        Assert.Equal(ExpectedTensors.Of(result.Transformer).Count, result.TransformerTensors);
        Assert.Empty(Directory.EnumerateDirectories(Path.GetDirectoryName(_sources.Output)!, "*.import-*"));

        using var model = LvmModel.Load(_sources.Output);
        Assert.Equal(64, model.CodebookSize);
        Assert.Equal(ImportSources.TokensPerImage, model.TokensPerImage);
    }

    [Fact]
    public void A_missing_tensor_is_named_and_nothing_is_written()
    {
        _sources.EditTransformer(state => state.Remove("model.layers.1.mlp.down_proj.weight"));

        var e = Assert.Throws<ModelImportException>(() => ModelImporter.Import(Request()));

        var problem = Assert.Single(e.Problems);
        Assert.Contains("missing tensor 'model.layers.1.mlp.down_proj.weight'", problem);
        Assert.Contains("[32,64]", problem);
        AssertNothingWritten();
    }

    [Fact]
    public void A_misshapen_tensor_names_file_tensor_expected_and_found_shapes()
    {
        _sources.WriteTransformer(ImportSources.Config, weights: ImportSources.Config with { IntermediateSize = 96 });

        var e = Assert.Throws<ModelImportException>(() => ModelImporter.Import(Request()));

        Assert.Equal(2 * 3, e.Problems.Count); // gate, up and down projections of both layers
        Assert.Contains(e.Problems, p => p.Contains(".safetensors: tensor 'model.layers.0.mlp.gate_proj.weight' has shape [96,32], config.json implies [64,32]", StringComparison.Ordinal));
        AssertNothingWritten();
    }

    [Fact]
    public void An_unexpected_tensor_is_named_but_a_rotary_inv_freq_buffer_is_not()
    {
        _sources.EditTransformer(state =>
        {
            state["model.layers.0.self_attn.rotary_emb.inv_freq"] = ones(4);
            state["model.extra.weight"] = ones(3, 2);
        });

        var e = Assert.Throws<ModelImportException>(() => ModelImporter.Import(Request()));

        var problem = Assert.Single(e.Problems);
        Assert.Contains("model.safetensors: unexpected tensor 'model.extra.weight' [3,2]", problem);
        AssertNothingWritten();
    }

    [Fact]
    public void A_vocabulary_smaller_than_the_codebook_is_refused()
    {
        _sources.WriteTransformer(ImportSources.Config with { VocabSize = 32 });

        var e = Assert.Throws<ModelImportException>(() => ModelImporter.Import(Request()));

        var problem = Assert.Single(e.Problems);
        Assert.Contains("vocab_size 32 is smaller than the tokenizer's codebook", problem);
        Assert.Contains("num_embeddings 64", problem);
        AssertNothingWritten();
    }

    [Fact]
    public void A_context_longer_than_the_positions_is_refused_with_the_frames_that_fit()
    {
        var e = Assert.Throws<ModelImportException>(() => ModelImporter.Import(Request(contextFrames: 5)));

        var problem = Assert.Single(e.Problems);
        Assert.Contains("context_frames 5 x 256 tokens per image = 1280 exceeds transformer/config.json max_position_embeddings 1024", problem);
        Assert.Contains("--context-frames 4", problem);
        AssertNothingWritten();
    }

    [Fact]
    public void An_existing_output_folder_is_never_overwritten()
    {
        Directory.CreateDirectory(_sources.Output);
        File.WriteAllText(Path.Combine(_sources.Output, "keep.txt"), "mine");

        Assert.Throws<IOException>(() => ModelImporter.Import(Request()));

        Assert.Equal(["keep.txt"], Directory.EnumerateFileSystemEntries(_sources.Output).Select(Path.GetFileName));
    }

    [Fact]
    public void The_released_7B_and_VQGAN_shapes_come_from_the_meta_device_without_allocating_weights()
    {
        var config = LlamaConfig.FromJson("""
            {"vocab_size": 8292, "hidden_size": 4096, "intermediate_size": 11008, "num_hidden_layers": 32,
             "num_attention_heads": 32, "max_position_embeddings": 4096, "torch_dtype": "float16"}
            """);

        var transformer = ExpectedTensors.Of(config);
        var vqgan = ExpectedTensors.Of(VqganPresets.Lvm);

        Assert.Equal(config.ParameterCount, transformer.Values.Sum(s => s.Aggregate(1L, (a, b) => a * b)));
        Assert.Equal([8292, 4096], transformer["model.embed_tokens.weight"]);
        Assert.Equal([11008, 4096], transformer["model.layers.31.mlp.up_proj.weight"]);
        Assert.Equal(VqganParameterCount.Of(VqganPresets.Lvm), vqgan.Values.Sum(s => s.Aggregate(1L, (a, b) => a * b)));
    }

    private void AssertNothingWritten() =>
        Assert.False(Directory.Exists(Path.GetDirectoryName(_sources.Output)) && Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(_sources.Output)!).Any(),
            "a failed import must leave nothing at or beside the output");
}
