using LvmCloud.Vision.Tests.Support;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Tokenizer;

/// <summary>The port against outputs of the unmodified open-muse code on the same weights and inputs, on <see cref="TestDevice"/>.</summary>
public sealed class VqganParityTests(FixtureVqganModel fixture) : IClassFixture<FixtureVqganModel>
{
    private const double Tolerance = 1e-4;

    [Fact]
    public void Encoder_latents_match_reference()
    {
        using var _ = no_grad();
        using var expected = VqganFixture.Tensor("encoder_latents");
        using var actual = fixture.Model.EncoderLatents(fixture.PixelValues);
        VqganFixture.AssertClose(expected, actual, Tolerance, "encoder_latents");
    }

    [Fact]
    public void Encode_quantized_matches_reference()
    {
        using var _ = no_grad();
        using var expected = VqganFixture.Tensor("encode_quantized");
        var (quantized, codes) = fixture.Model.Encode(fixture.PixelValues);
        using (quantized)
        using (codes)
            VqganFixture.AssertClose(expected, quantized, Tolerance, "encode_quantized");
    }

    [Fact]
    public void Encode_indices_match_reference_exactly()
    {
        using var _ = no_grad();
        using var expected = VqganFixture.Tensor("encode_indices");
        using var actual = fixture.Model.EncodeToCodes(fixture.PixelValues);
        Assert.Equal(ScalarType.Int64, actual.dtype);
        Assert.Equal(expected.shape, actual.shape);
        using var onCpu = actual.cpu();
        Assert.Equal(expected.data<long>().ToArray(), onCpu.data<long>().ToArray());
    }

    [Fact]
    public void Decode_code_output_matches_reference()
    {
        using var _ = no_grad();
        using var stored = VqganFixture.Tensor("encode_indices");
        using var codes = TestDevice.On(stored);
        using var expected = VqganFixture.Tensor("decode_code_output");
        using var actual = fixture.Model.DecodeCodes(codes);
        VqganFixture.AssertClose(expected, actual, Tolerance, "decode_code_output");
    }

    [Fact]
    public void Decode_code_output_is_raw_and_decode_to_images_clamps_it()
    {
        using var _ = no_grad();
        using var stored = VqganFixture.Tensor("encode_indices");
        using var codes = TestDevice.On(stored);
        using var raw = VqganFixture.Tensor("decode_code_output");
        using var rawMin = raw.min();
        using var rawMax = raw.max();
        Assert.True(rawMin.item<float>() < 0 || rawMax.item<float>() > 1, "the reference output should leave [0, 1] somewhere");

        using var expected = raw.clamp(0.0, 1.0);
        using var actual = fixture.Model.DecodeToImages(codes);
        VqganFixture.AssertClose(expected, actual, Tolerance, "clamped decode");
    }

    [Fact]
    public void Forward_reconstruction_matches_reference()
    {
        using var _ = no_grad();
        using var expected = VqganFixture.Tensor("forward_reconstruction");
        using var actual = fixture.Model.forward(fixture.PixelValues);
        VqganFixture.AssertClose(expected, actual, Tolerance, "forward_reconstruction");
    }

    [Fact]
    public void Pixel_values_are_uint8_images_divided_by_255_in_chw_order()
    {
        using var u8 = VqganFixture.Tensor("input_images_u8");                  // (B, H, W, C)
        using var scaled = u8.to(float32).div(255f).permute(0, 3, 1, 2);       // (B, C, H, W)
        VqganFixture.AssertClose(fixture.PixelValues, scaled, 0.0, "pixel_values");
    }
}
