using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace LvmCloud.Vision.Tokenizer;

/// <summary>
/// Nearest-codebook-entry quantiser (<c>quantize.embedding.weight</c>, shape (K, D)).
/// Distances use the addmm form Σz² + Σe² − 2·z·eᵀ and <c>argmin</c> (the first index wins a tie);
/// codes are in raster order over the latent grid (row·w + col).
/// </summary>
public sealed class VectorQuantizer : Module
{
    private readonly Embedding embedding;

    public VectorQuantizer(long numEmbeddings, long embeddingDim, Device? device = null) : base(nameof(VectorQuantizer))
    {
        NumEmbeddings = numEmbeddings;
        EmbeddingDim = embeddingDim;
        embedding = Embedding(numEmbeddings, embeddingDim, device: device);
        using (no_grad())
            embedding.weight!.uniform_(-1.0 / numEmbeddings, 1.0 / numEmbeddings); // open-muse's codebook init
        RegisterComponents();
    }

    public long NumEmbeddings { get; }

    public long EmbeddingDim { get; }

    /// <summary>The codebook, (K, D).</summary>
    public Parameter Codebook => embedding.weight!;

    /// <summary>Squared L2 distances from rows of <paramref name="flat"/> (N, D) to every code: (N, K).</summary>
    public Tensor Distances(Tensor flat)
    {
        using var scope = NewDisposeScope();
        var codebookT = embedding.weight!.t();                              // (D, K)
        var inputNormSq = flat.square().sum(dim: 1, keepdim: true);          // (N, 1); square(): no .NET Scalar
        var codebookNormSq = codebookT.square().sum(dim: 0, keepdim: true);  // (1, K)
        return addmm(inputNormSq + codebookNormSq, flat, codebookT, beta: 1.0f, alpha: -2.0f).MoveToOuterDisposeScope();
    }

    /// <summary>Latents (B, D, h, w) → (quantized (B, D, h, w), codes (B, h·w) int64).</summary>
    public (Tensor Quantized, Tensor Codes) Quantize(Tensor latents)
    {
        if (latents.dim() != 4 || latents.shape[1] != EmbeddingDim)
            throw new ArgumentException(
                $"Latents must be (batch, {EmbeddingDim}, height, width); got ({string.Join(", ", latents.shape)}).", nameof(latents));

        using var scope = NewDisposeScope();
        var (batch, dim, height, width) = (latents.shape[0], latents.shape[1], latents.shape[2], latents.shape[3]);
        var flat = latents.permute(0, 2, 3, 1).reshape(-1, dim);       // (B·h·w, D), rows in (b, h, w) order
        var codes = Distances(flat).argmin(dim: 1);                      // (B·h·w)
        var quantized = embedding.forward(codes)                         // (B·h·w, D)
            .view(batch, height, width, dim)                             // (B, h, w, D)
            .permute(0, 3, 1, 2)                                         // (B, D, h, w)
            .contiguous();
        return (quantized.MoveToOuterDisposeScope(), codes.reshape(batch, height * width).MoveToOuterDisposeScope()); // codes (B, h·w)
    }

    /// <summary>Codes (B, n) with n a square number → codebook vectors (B, D, √n, √n).</summary>
    public Tensor Lookup(Tensor codes)
    {
        var (batch, tokens) = (codes.shape[0], codes.shape[1]);
        var side = VqganShapes.GridSide(tokens);
        using var scope = NewDisposeScope();
        return embedding.forward(codes)          // (B, n, D)
            .reshape(batch, side, side, -1)      // (B, s, s, D)
            .permute(0, 3, 1, 2)                 // (B, D, s, s)
            .contiguous()
            .MoveToOuterDisposeScope();
    }
}
