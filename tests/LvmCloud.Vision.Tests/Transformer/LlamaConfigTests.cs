using System.Text.Json.Nodes;
using LvmCloud.Vision.Tests.Support;
using LvmCloud.Vision.Transformer;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Transformer;

public class LlamaConfigTests
{
    private const string Minimal = """
        {"vocab_size": 100, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 1,
         "num_attention_heads": 4, "rms_norm_eps": 1e-5, "max_position_embeddings": 64, "some_future_key": [1, 2]}
        """;

    [Fact]
    public void Loads_the_fixture_config_with_Hugging_Face_field_names()
    {
        var config = new LlamaFixture(LlamaFixture.Gqa).Config;
        Assert.Equal(new LlamaConfig(300, 64, 172, 2, 4, 2, 1e-6, 10000.0, 256, false, false, "silu", 1, 2, "float32"), config);
        Assert.Equal(16, config.HeadDim);
        Assert.Equal(129_344, config.ParameterCount);
    }

    [Fact]
    public void Missing_fields_take_the_Hugging_Face_defaults()
    {
        var config = LlamaConfig.FromJson(Minimal);
        Assert.Equal(4, config.NumKeyValueHeads);
        Assert.Equal(10000.0, config.RopeTheta);
        Assert.False(config.AttentionBias);
        Assert.False(config.TieWordEmbeddings);
        Assert.Equal(1e-5, config.RmsNormEps);
    }

    [Fact]
    public void Save_then_load_gives_the_same_config()
    {
        var dir = Directory.CreateTempSubdirectory("llama-config-");
        try
        {
            var config = LlamaPresets.Get("vqlm_300m") with { RopeTheta = 500000, TieWordEmbeddings = true };
            config.Save(dir.FullName);
            Assert.Equal(config, LlamaConfig.Load(dir.FullName));
            Assert.Equal(config, LlamaConfig.Load(Path.Combine(dir.FullName, "config.json")));
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Theory]
    [InlineData("hidden_size", "30", "hidden_size 30 is not divisible by num_attention_heads 4")]
    [InlineData("num_key_value_heads", "3", "num_attention_heads 4 is not divisible by num_key_value_heads 3")]
    [InlineData("vocab_size", "0", "vocab_size must be positive")]
    [InlineData("rms_norm_eps", "-1", "rms_norm_eps must be a positive number")]
    [InlineData("hidden_act", "\"gelu\"", "hidden_act 'gelu' is not supported")]
    [InlineData("num_hidden_layers", "\"two\"", "'num_hidden_layers' must be an integer")]
    public void Invalid_configs_are_rejected_naming_the_field(string key, string value, string message)
    {
        var json = JsonNode.Parse(Minimal)!.AsObject();
        json[key] = JsonNode.Parse(value);
        var error = Assert.ThrowsAny<Exception>(() => LlamaConfig.FromJson(json.ToJsonString()));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Missing_required_field_and_missing_file_are_named()
    {
        var missing = Assert.Throws<InvalidDataException>(() => LlamaConfig.FromJson("""{"vocab_size": 10}"""));
        Assert.Contains("'num_attention_heads'", missing.Message);
        var noFile = Assert.Throws<FileNotFoundException>(() => LlamaConfig.Load(Path.Combine(Path.GetTempPath(), "no-such-model-dir")));
        Assert.Contains("config.json", noFile.Message);
    }

    [Fact]
    public void Lvm_presets_have_the_published_shapes()
    {
        var names = LlamaPresets.All.Select(p => p.Name).ToList();
        Assert.Equal(["tiny", "fmnist_lm", "fmnist_lm2", "bench_20m", "vqlm_100m", "vqlm_300m", "vqlm_600m", "vqlm_1b", "vqlm_3b", "vqlm_7b"], names);
        var sevenB = LlamaPresets.Get("vqlm_7b");
        Assert.Equal((8292, 4096, 11008, 32, 32, 32, 4096), (sevenB.VocabSize, sevenB.HiddenSize, sevenB.IntermediateSize,
            sevenB.NumHiddenLayers, sevenB.NumAttentionHeads, sevenB.NumKeyValueHeads, sevenB.MaxPositionEmbeddings));
        // embeddings + head 2·8292·4096, 32 layers of 4·4096² + 3·4096·11008 + 2·4096, final norm 4096.
        Assert.Equal(2L * 8292 * 4096 + 32L * (4L * 4096 * 4096 + 3L * 4096 * 11008 + 2 * 4096) + 4096, sevenB.ParameterCount);
        Assert.InRange(LlamaPresets.Get("vqlm_300m").ParameterCount, 280_000_000, 320_000_000);
        Assert.InRange(LlamaPresets.Get("bench_20m").ParameterCount, 19_000_000, 21_000_000);
        var unknown = Assert.Throws<ArgumentException>(() => LlamaPresets.Get("vqlm_9b"));
        Assert.Contains("vqlm_100m", unknown.Message);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void Parameter_count_from_config_equals_the_allocated_model(bool tied, bool attentionBias)
    {
        var config = LlamaPresets.Get("tiny") with { TieWordEmbeddings = tied, AttentionBias = attentionBias };
        using var model = new LlamaForCausalLM(config);
        var names = model.state_dict().Keys.ToList();

        Assert.Equal(config.ParameterCount, model.parameters().Sum(p => p.numel()));
        Assert.Equal(!tied, names.Contains("lm_head.weight"));
        Assert.Equal(attentionBias, names.Contains("model.layers.1.self_attn.o_proj.bias"));
    }

    [Fact]
    public void A_tied_head_reads_the_embedding_matrix()
    {
        var config = LlamaPresets.Get("tiny") with { TieWordEmbeddings = true };
        using var model = new LlamaForCausalLM(config);
        using var _ = no_grad();
        using var ids = tensor(new long[] { 5, 6, 7 }, [1, 3]);

        using var hidden = model.HiddenStates(ids);
        using var logits = model.Forward(ids);
        using var expected = hidden.matmul(model.state_dict()["model.embed_tokens.weight"].t());

        Assert.InRange(LlamaFixture.MaxAbsDiff(logits, expected), 0, 1e-5);
    }
}
