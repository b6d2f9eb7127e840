using static TorchSharp.torch;

namespace LvmCloud.Vision.Tokenizer;

/// <summary>Input checks shared by the model and the tokenizer, with errors that say what is wrong.</summary>
internal static class VqganShapes
{
    /// <summary>Side of the square token grid for <paramref name="tokens"/> tokens (open-muse assumes a square grid).</summary>
    public static long GridSide(long tokens)
    {
        var side = (long)Math.Round(Math.Sqrt(tokens));
        if (tokens <= 0 || side * side != tokens)
            throw new ArgumentException(
                $"Token count {tokens} per image is not a square number; the VQGAN decodes square token grids only (e.g. 256 = 16x16).");
        return side;
    }

    public static void CheckImages(Tensor images, VqganConfig config, string paramName)
    {
        if (images.dim() != 4)
            throw new ArgumentException(
                $"Images must be a 4-D tensor (batch, {config.NumChannels}, height, width); got shape ({string.Join(", ", images.shape)}).", paramName);
        if (!images.is_floating_point())
            throw new ArgumentException(
                $"Images must be floating point with values in [0, 1]; got dtype {images.dtype}. Divide uint8 pixels by 255 first.", paramName);
        var (channels, height, width) = (images.shape[1], images.shape[2], images.shape[3]);
        if (channels != config.NumChannels)
            throw new ArgumentException(
                $"Images must have {config.NumChannels} channels in dimension 1 (NCHW); got shape ({string.Join(", ", images.shape)}).", paramName);
        if (height != width)
            throw new ArgumentException(
                $"Images must be square (the VQGAN token grid is square); got {height}x{width} (height x width).", paramName);
        if (height <= 0 || height % config.Downsampling != 0)
            throw new ArgumentException(
                $"Image side {height} must be a positive multiple of the downsampling factor {config.Downsampling}.", paramName);
    }

    public static void CheckCodes(Tensor codes, VqganConfig config, string paramName)
    {
        if (codes.dim() != 2)
            throw new ArgumentException(
                $"Codes must be a 2-D tensor (batch, tokens); got shape ({string.Join(", ", codes.shape)}).", paramName);
        if (codes.dtype is not (ScalarType.Int64 or ScalarType.Int32 or ScalarType.Int16 or ScalarType.Int8 or ScalarType.Byte))
            throw new ArgumentException($"Codes must be an integer tensor; got dtype {codes.dtype}.", paramName);
        GridSide(codes.shape[1]);
        if (codes.numel() == 0) return;
        long min, max;
        using (NewDisposeScope())
        {
            var asLong = codes.to_type(ScalarType.Int64);
            (min, max) = (asLong.min().item<long>(), asLong.max().item<long>());
        }
        if (min < 0 || max >= config.NumEmbeddings)
            throw new ArgumentOutOfRangeException(paramName,
                $"Codes must be in [0, {config.NumEmbeddings}) (num_embeddings); found values from {min} to {max}.");
    }
}
