using LvmCloud.Vision.Tests.Support;
using LvmCloud.Vision.Tokenizer;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Tokenizer;

public sealed class VqganModelShapeTests
{
    private static long CountParameters(VqganModel model) => model.parameters().Sum(p => p.numel());

    public static TheoryData<string> ConfigNames => ["fixture", "tiny", "small", "avgpool-two-blocks"];

    private static VqganConfig Named(string name) => name switch
    {
        "fixture" => VqganConfig.Load(VqganFixture.ConfigPath),
        // Active encoder attention (2 blocks per level), resampling without convs, no mid attention.
        "avgpool-two-blocks" => VqganPresets.Tiny with
        {
            ChannelMult = [1, 2, 1],
            NumResBlocks = 2,
            AttnResolutions = [8],
            ResampleWithConv = false,
            NoAttnMidBlock = true,
        },
        _ => VqganPresets.ByName(name),
    };

    [Fact]
    public void State_dict_names_and_shapes_equal_the_reference_checkpoint()
    {
        using var model = new VqganModel(VqganConfig.Load(VqganFixture.ConfigPath));
        var actual = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        var expected = VqganFixture.WeightKeys();

        Assert.Equal(expected.Select(k => k.Name).Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, shape) in expected)
            Assert.True(shape.SequenceEqual(actual[name]), $"{name}: model [{string.Join(",", actual[name])}], reference [{string.Join(",", shape)}]");
        Assert.Equal(VqganFixture.ParameterCount(), CountParameters(model));
    }

    [Theory]
    [MemberData(nameof(ConfigNames))]
    public void Parameter_count_formula_matches_the_built_model(string name)
    {
        var config = Named(name);
        using var model = new VqganModel(config);
        Assert.Equal(CountParameters(model), VqganParameterCount.Of(config));
    }

    [Theory]
    [MemberData(nameof(ConfigNames))]
    public void Encode_and_decode_shapes_follow_the_config(string name)
    {
        var config = Named(name);
        using var model = new VqganModel(config);
        model.eval();
        using var _ = no_grad();
        using var images = rand(2, config.NumChannels, config.Resolution, config.Resolution);

        using var codes = model.EncodeToCodes(images);
        Assert.Equal(new long[] { 2, config.TokensPerImage }, codes.shape);
        Assert.Equal(ScalarType.Int64, codes.dtype);
        using (var min = codes.min()) Assert.True(min.item<long>() >= 0);
        using (var max = codes.max()) Assert.True(max.item<long>() < config.NumEmbeddings);

        using var decoded = model.DecodeCodes(codes);
        Assert.Equal(images.shape, decoded.shape);
        using var reconstruction = model.forward(images);
        VqganFixture.AssertClose(decoded, reconstruction, 1e-4, "decode(encode(x)) vs forward(x)");
    }

    [Fact]
    public void Lvm_preset_has_the_lvm_tokenizer_layout()
    {
        // Shapes only: the meta device allocates no memory and runs no initialisation (146M parameters).
        var config = VqganPresets.Lvm;
        using var model = new VqganModel(config, device("meta"));
        var state = model.state_dict();

        Assert.Equal(VqganParameterCount.Of(config), CountParameters(model));
        Assert.Equal(new long[] { 8192, 64 }, state["quantize.embedding.weight"].shape);
        Assert.Equal(new long[] { 64, 768, 3, 3 }, state["encoder.conv_out.weight"].shape);
        Assert.Equal(new long[] { 128, 256, 3, 3 }, state["decoder.up.0.block.0.conv1.weight"].shape);
        Assert.Equal(new long[] { 3, 128, 3, 3 }, state["decoder.conv_out.weight"].shape);
        Assert.True(state.ContainsKey("decoder.up.4.block.2.conv2.weight"));
        Assert.True(state.ContainsKey("decoder.up.4.upsample.conv.weight"));
        Assert.False(state.ContainsKey("decoder.up.0.upsample.conv.weight"));
        Assert.False(state.ContainsKey("encoder.down.4.downsample.conv.weight"));
        Assert.DoesNotContain(state.Keys, k => k.Contains(".attn"));
        Assert.Equal(146_244_675, CountParameters(model));
    }

    [Fact]
    public void Fresh_model_starts_from_pytorch_default_norms_and_open_muse_codebook_init()
    {
        using var model = new VqganModel(VqganPresets.Tiny);
        var state = model.state_dict();

        using (var weight = state["encoder.mid.block_1.norm1.weight"].eq(1f).all()) Assert.True(weight.item<bool>());
        using (var bias = state["decoder.norm_out.bias"].eq(0f).all()) Assert.True(bias.item<bool>());
        using var codebookMax = state["quantize.embedding.weight"].abs().max();
        Assert.True(codebookMax.item<float>() <= 1f / VqganPresets.Tiny.NumEmbeddings);
    }

    [Fact]
    public void Bad_image_tensors_are_rejected_with_what_is_wrong()
    {
        using var model = new VqganModel(VqganPresets.Tiny);
        using var _ = no_grad();

        using var nonSquare = rand(1, 3, 16, 8);
        Assert.Contains("square", Assert.Throws<ArgumentException>(() => model.EncodeToCodes(nonSquare)).Message);
        using var oddSide = rand(1, 3, 15, 15);
        Assert.Contains("multiple of the downsampling factor 2", Assert.Throws<ArgumentException>(() => model.EncodeToCodes(oddSide)).Message);
        using var grey = rand(1, 1, 16, 16);
        Assert.Contains("3 channels", Assert.Throws<ArgumentException>(() => model.EncodeToCodes(grey)).Message);
        using var bytes = zeros(1, 3, 16, 16, dtype: ScalarType.Byte);
        Assert.Contains("floating point", Assert.Throws<ArgumentException>(() => model.EncodeToCodes(bytes)).Message);
        using var hwc = rand(16, 16, 3);
        Assert.Contains("4-D", Assert.Throws<ArgumentException>(() => model.forward(hwc)).Message);
    }

    [Fact]
    public void Bad_code_tensors_are_rejected_with_what_is_wrong()
    {
        using var model = new VqganModel(VqganPresets.Tiny);
        using var _ = no_grad();

        using var nonSquare = zeros(1, 60, dtype: ScalarType.Int64);
        Assert.Contains("not a square number", Assert.Throws<ArgumentException>(() => model.DecodeCodes(nonSquare)).Message);
        using var tooLarge = full(1, 64, 64L, dtype: ScalarType.Int64);
        Assert.Contains("[0, 64)", Assert.Throws<ArgumentOutOfRangeException>(() => model.DecodeCodes(tooLarge)).Message);
        using var negative = full(1, 64, -1L, dtype: ScalarType.Int64);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.DecodeCodes(negative));
        using var floats = zeros(1, 64);
        Assert.Contains("integer", Assert.Throws<ArgumentException>(() => model.DecodeCodes(floats)).Message);
        using var flat = zeros(64, dtype: ScalarType.Int64);
        Assert.Contains("2-D", Assert.Throws<ArgumentException>(() => model.DecodeCodes(flat)).Message);
    }

    [Fact]
    public void Int32_codes_decode_like_int64_codes()
    {
        using var model = new VqganModel(VqganPresets.Tiny);
        model.eval();
        using var _ = no_grad();
        using var codes = randint(0, 64, new long[] { 2, 64 }, dtype: ScalarType.Int64);
        using var codes32 = codes.to(ScalarType.Int32);

        using var expected = model.DecodeCodes(codes);
        using var actual = model.DecodeCodes(codes32);
        VqganFixture.AssertClose(expected, actual, 0.0, "int32 vs int64 codes");
    }
}
