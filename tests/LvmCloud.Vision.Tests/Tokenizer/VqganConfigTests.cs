using System.Text.Json.Nodes;
using LvmCloud.Vision.Tests.Support;
using LvmCloud.Vision.Tokenizer;

namespace LvmCloud.Vision.Tests.Tokenizer;

public sealed class VqganConfigTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("lvm-vqgan-config-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string WriteConfig(JsonObject json)
    {
        var path = Path.Combine(dir, "config.json");
        File.WriteAllText(path, json.ToJsonString());
        return path;
    }

    private static JsonObject FixtureJson() => (JsonObject)JsonNode.Parse(File.ReadAllText(VqganFixture.ConfigPath))!;

    [Fact]
    public void Fixture_config_loads_with_open_muse_field_names()
    {
        var config = VqganConfig.Load(VqganFixture.ConfigPath);

        Assert.Equal(32, config.Resolution);
        Assert.Equal(3, config.NumChannels);
        Assert.Equal(32, config.HiddenChannels);
        Assert.Equal([2, 1], config.ChannelMult);
        Assert.Equal(1, config.NumResBlocks);
        Assert.Equal([16], config.AttnResolutions);
        Assert.False(config.NoAttnMidBlock);
        Assert.Equal(32, config.ZChannels);
        Assert.Equal(64, config.NumEmbeddings);
        Assert.Equal(16, config.QuantizedEmbedDim);
        Assert.Equal(0.0, config.Dropout);
        Assert.True(config.ResampleWithConv);
        Assert.Equal(0.25, config.CommitmentCost);
        Assert.Equal(2, config.Downsampling);
        Assert.Equal(256, config.TokensPerImage);
    }

    [Fact]
    public void Config_round_trips_through_save_and_load()
    {
        foreach (var config in new[] { VqganPresets.Lvm, VqganPresets.Small, VqganPresets.Tiny, VqganConfig.Load(VqganFixture.ConfigPath) })
        {
            var path = Path.Combine(dir, "round-trip", "config.json");
            config.Save(path);
            Assert.Equal(config, VqganConfig.Load(path));
        }
    }

    [Fact]
    public void Saved_config_uses_open_muse_keys_only()
    {
        var path = Path.Combine(dir, "config.json");
        VqganPresets.Lvm.Save(path);
        var json = (JsonObject)JsonNode.Parse(File.ReadAllText(path))!;

        var expectedKeys = FixtureJson().Select(kv => kv.Key).Order(StringComparer.Ordinal);
        Assert.Equal(expectedKeys, json.Select(kv => kv.Key).Order(StringComparer.Ordinal));
        Assert.Equal("VQGANModel", json["_class_name"]!.GetValue<string>());
        Assert.Equal([1, 2, 2, 4, 6], json["channel_mult"]!.AsArray().Select(n => n!.GetValue<int>()));
        Assert.Empty(json["attn_resolutions"]!.AsArray());
    }

    [Fact]
    public void Underscore_and_unknown_keys_are_ignored()
    {
        var json = FixtureJson();
        json["_class_name"] = "SomethingElse";
        json["_name_or_path"] = "/somewhere";
        json["future_option"] = new JsonArray(1, 2, 3);

        Assert.Equal(VqganConfig.Load(VqganFixture.ConfigPath), VqganConfig.Load(WriteConfig(json)));
    }

    [Fact]
    public void Missing_keys_take_open_muse_defaults()
    {
        var config = VqganConfig.Load(WriteConfig(new JsonObject { ["num_embeddings"] = 512 }));

        Assert.Equal(VqganConfig.OpenMuseDefaults with { NumEmbeddings = 512 }, config);
        Assert.Equal([1, 1, 2, 2, 4], config.ChannelMult);
        Assert.Equal(256, config.ZChannels);
    }

    [Theory]
    [InlineData("hidden_channels", "48")]
    [InlineData("channel_mult", "[]")]
    [InlineData("channel_mult", "[1, 0]")]
    [InlineData("num_res_blocks", "0")]
    [InlineData("num_embeddings", "0")]
    [InlineData("quantized_embed_dim", "-1")]
    [InlineData("resolution", "33")]
    [InlineData("dropout", "1.5")]
    [InlineData("attn_resolutions", "null")]
    public void Invalid_values_are_rejected_naming_the_field(string field, string value)
    {
        var json = FixtureJson();
        json[field] = JsonNode.Parse(value);

        var error = Assert.Throws<InvalidDataException>(() => VqganConfig.Load(WriteConfig(json)));
        Assert.Contains(field, error.Message);
    }

    [Fact]
    public void Wrongly_typed_value_is_rejected_naming_the_field()
    {
        var json = FixtureJson();
        json["resolution"] = "large";

        var error = Assert.Throws<InvalidDataException>(() => VqganConfig.Load(WriteConfig(json)));
        Assert.Contains("resolution", error.Message);
    }

    [Fact]
    public void Missing_or_malformed_file_gives_a_clear_error()
    {
        var missing = Path.Combine(dir, "nope", "config.json");
        Assert.Contains(missing, Assert.Throws<FileNotFoundException>(() => VqganConfig.Load(missing)).Message);

        var broken = Path.Combine(dir, "broken.json");
        File.WriteAllText(broken, "{ \"resolution\": ");
        Assert.Contains("not valid JSON", Assert.Throws<InvalidDataException>(() => VqganConfig.Load(broken)).Message);
    }

    [Fact]
    public void Derived_sizes_follow_channel_mult()
    {
        Assert.Equal(16, VqganPresets.Lvm.Downsampling);
        Assert.Equal(16, VqganPresets.Lvm.LatentSize(256));
        Assert.Equal(256, VqganPresets.Lvm.TokensPerImage);
        Assert.Equal(8192, VqganPresets.Lvm.NumEmbeddings);

        Assert.Equal(4, VqganPresets.Small.Downsampling);
        Assert.Equal(64, VqganPresets.Small.TokensPerImage);
        Assert.InRange(VqganPresets.Small.NumEmbeddings, 256, 512);

        Assert.Equal(2, VqganPresets.Tiny.Downsampling);
        Assert.Equal(64, VqganPresets.Tiny.TokensPerImage);

        Assert.Equal(32, VqganPresets.Lvm.LatentSize(512));
        Assert.Throws<ArgumentOutOfRangeException>(() => VqganPresets.Lvm.LatentSize(250));
    }

    [Fact]
    public void Presets_are_found_by_name_ignoring_case()
    {
        Assert.Same(VqganPresets.Lvm, VqganPresets.ByName("LVM"));
        Assert.Same(VqganPresets.Small, VqganPresets.ByName("small"));
        Assert.Equal(["lvm", "small", "fmnist32", "tiny"], VqganPresets.All.Select(p => p.Name));

        var error = Assert.Throws<ArgumentException>(() => VqganPresets.ByName("huge"));
        Assert.Contains("huge", error.Message);
        Assert.Contains("tiny", error.Message);
    }
}
