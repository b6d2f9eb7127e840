using LvmCloud.Vision.Tests.Support;
using LvmCloud.Vision.Tokenizer;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Tokenizer;

public sealed class VqganLossTests(FixtureVqganModel fixture) : IClassFixture<FixtureVqganModel>
{
    [Fact]
    public void Forward_with_losses_matches_reference_reconstruction_codes_and_loss_definitions()
    {
        using var _ = no_grad();
        var (reconstruction, codebookLoss, commitmentLoss, codes) = fixture.Model.ForwardWithLosses(fixture.PixelValues);
        using (reconstruction)
        using (codebookLoss)
        using (commitmentLoss)
        using (codes)
        using (var expectedReconstruction = VqganFixture.Tensor("forward_reconstruction"))
        using (var expectedCodes = VqganFixture.Tensor("encode_indices"))
        using (var latents = VqganFixture.Tensor("encoder_latents"))
        using (var quantized = VqganFixture.Tensor("encode_quantized"))
        using (var meanSquared = (quantized - latents).pow(2).mean())
        {
            VqganFixture.AssertClose(expectedReconstruction, reconstruction, 1e-4, "straight-through reconstruction");
            Assert.Equal(expectedCodes.data<long>().ToArray(), codes.data<long>().ToArray());

            var expected = meanSquared.item<float>();
            Assert.True(expected > 0);
            Assert.Equal(expected, codebookLoss.item<float>(), expected * 1e-4);
            Assert.Equal(0.25f * expected, commitmentLoss.item<float>(), expected * 1e-4);
        }
    }

    [Fact]
    public void Gradients_reach_the_encoder_straight_through_and_the_codebook_only_through_its_loss()
    {
        using var model = new VqganModel(VqganPresets.Tiny);
        model.train();
        using var images = rand(2, 3, 16, 16);
        var parameters = model.named_parameters().ToDictionary(kv => kv.Item1, kv => kv.Item2);
        var encoderWeight = parameters["encoder.conv_in.weight"];
        var decoderWeight = parameters["decoder.conv_out.weight"];
        var codebook = parameters["quantize.embedding.weight"];

        double GradNorm(TorchSharp.Modules.Parameter p)
        {
            using var grad = p.grad;
            if (grad is null) return 0;
            using var norm = grad.norm();
            return norm.item<float>();
        }

        (double Encoder, double Decoder, double Codebook) GradientsOf(Func<(Tensor Rec, Tensor Cb, Tensor Commit), Tensor> pick)
        {
            model.zero_grad();
            using var scope = NewDisposeScope();
            var (rec, cb, commit, _) = model.ForwardWithLosses(images);
            pick((rec, cb, commit)).backward();
            return (GradNorm(encoderWeight), GradNorm(decoderWeight), GradNorm(codebook));
        }

        var reconstruction = GradientsOf(l => l.Rec.pow(2).mean());
        Assert.True(reconstruction.Encoder > 0, "reconstruction loss must reach the encoder through the straight-through estimator");
        Assert.True(reconstruction.Decoder > 0);
        Assert.Equal(0, reconstruction.Codebook);

        var codebookLoss = GradientsOf(l => l.Cb);
        Assert.True(codebookLoss.Codebook > 0, "the codebook loss must train the codebook");
        Assert.Equal(0, codebookLoss.Encoder);

        var commitment = GradientsOf(l => l.Commit);
        Assert.True(commitment.Encoder > 0, "the commitment loss must train the encoder");
        Assert.Equal(0, commitment.Codebook);
        Assert.Equal(0, commitment.Decoder);
    }
}
