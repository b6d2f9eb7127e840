using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using static TorchSharp.torch.nn.functional;

namespace LvmCloud.Vision.Tokenizer;

/// <summary>
/// The open-muse <c>VQGANModel</c> (LVM's image tokenizer). Images are (B, C, H, W) float in [0, 1] with H = W a
/// multiple of <see cref="VqganConfig.Downsampling"/>; codes are (B, h·w) int64 in raster order.
/// Parameter names equal open-muse's state_dict names, so its checkpoints load unchanged.
/// Nothing here turns autograd off: wrap calls in <c>torch.no_grad()</c> for inference (as <see cref="VqganTokenizer"/> does).
/// </summary>
public sealed class VqganModel : Module<Tensor, Tensor>
{
    private readonly VqganEncoder encoder;
    private readonly VqganDecoder decoder;
    private readonly VectorQuantizer quantize;
    private readonly Conv2d quant_conv;
    private readonly Conv2d post_quant_conv;

    /// <param name="config">The architecture; validated here.</param>
    /// <param name="device">Where the parameters are created (CPU by default; the <c>meta</c> device builds shapes only).</param>
    public VqganModel(VqganConfig config, Device? device = null) : base(nameof(VqganModel))
    {
        Config = config.Validate();
        encoder = new VqganEncoder(config, device);
        decoder = new VqganDecoder(config, device);
        quantize = new VectorQuantizer(config.NumEmbeddings, config.QuantizedEmbedDim, device);
        quant_conv = Conv2d(config.ZChannels, config.QuantizedEmbedDim, kernel_size: 1, device: device);
        post_quant_conv = Conv2d(config.QuantizedEmbedDim, config.ZChannels, kernel_size: 1, device: device);
        RegisterComponents();
    }

    public VqganConfig Config { get; }

    public VectorQuantizer Quantizer => quantize;

    /// <summary>Pre-quantisation latents <c>quant_conv(encoder(x))</c>: (B, D, h, w).</summary>
    public Tensor EncoderLatents(Tensor images)
    {
        VqganShapes.CheckImages(images, Config, nameof(images));
        using var hidden = encoder.forward(images);
        return quant_conv.forward(hidden);
    }

    /// <summary>open-muse <c>encode</c>: (quantized (B, D, h, w), codes (B, h·w) int64).</summary>
    public (Tensor Quantized, Tensor Codes) Encode(Tensor images)
    {
        using var latents = EncoderLatents(images);
        return quantize.Quantize(latents);
    }

    /// <summary>Images (B, C, H, W) in [0, 1] → codes (B, h·w) int64.</summary>
    public Tensor EncodeToCodes(Tensor images)
    {
        var (quantized, codes) = Encode(images);
        quantized.Dispose();
        return codes;
    }

    /// <summary>open-muse <c>decode</c>: quantized latents (B, D, h, w) → raw images (B, C, h·f, w·f).</summary>
    public Tensor Decode(Tensor quantized)
    {
        using var hidden = post_quant_conv.forward(quantized);
        return decoder.forward(hidden);
    }

    /// <summary>open-muse <c>decode_code</c>: codes (B, n), n = s² → raw images (B, C, s·f, s·f), not clamped.</summary>
    public Tensor DecodeCodes(Tensor codes)
    {
        VqganShapes.CheckCodes(codes, Config, nameof(codes));
        using var scope = NewDisposeScope();
        var quantized = quantize.Lookup(codes.to_type(ScalarType.Int64));
        return Decode(quantized).MoveToOuterDisposeScope();
    }

    /// <summary><see cref="DecodeCodes"/> clamped to [0, 1], as LVM does before writing pixels.</summary>
    public Tensor DecodeToImages(Tensor codes)
    {
        using var raw = DecodeCodes(codes);
        return raw.clamp(0.0, 1.0);
    }

    /// <summary>Reconstruction through quantisation (open-muse <c>forward(x)[0]</c>), raw.</summary>
    public override Tensor forward(Tensor images)
    {
        var (quantized, codes) = Encode(images);
        using (quantized)
        using (codes)
            return Decode(quantized);
    }

    /// <summary>
    /// Training forward. The decoder sees z + (z_q − z).detach() (straight-through gradients to the encoder);
    /// codebook loss = mse(z_q, z.detach()) trains the codebook, commitment loss = β·mse(z, z_q.detach())
    /// pulls the encoder towards its codes (β = <c>commitment_cost</c>).
    /// </summary>
    public (Tensor Reconstruction, Tensor CodebookLoss, Tensor CommitmentLoss, Tensor Codes) ForwardWithLosses(Tensor images)
    {
        using var scope = NewDisposeScope();
        var latents = EncoderLatents(images);
        var (quantized, codes) = quantize.Quantize(latents);

        var codebookLoss = mse_loss(quantized, latents.detach());
        var commitmentLoss = mse_loss(latents, quantized.detach()) * Config.CommitmentCost;
        var straightThrough = latents + (quantized - latents).detach();
        var reconstruction = Decode(straightThrough);

        return (reconstruction.MoveToOuterDisposeScope(), codebookLoss.MoveToOuterDisposeScope(),
            commitmentLoss.MoveToOuterDisposeScope(), codes.MoveToOuterDisposeScope());
    }
}
