using LvmCloud.Vision.Tokenizer;
using static TorchSharp.torch;

namespace LvmCloud.Bench;

/// <summary>VQGAN encode and decode throughput with random weights at the preset's resolution.</summary>
public static class VqganBench
{
    public static (double EncodeImagesPerSecond, double DecodeImagesPerSecond) Run(VqganConfig config, int batch, int repetitions, Device? device = null)
    {
        using var tokenizer = new VqganTokenizer(new VqganModel(config, device), maxBatchSize: batch);
        using var scope = NewDisposeScope();
        var images = rand(batch, config.NumChannels, config.Resolution, config.Resolution);  // (B, C, H, W) in [0, 1]
        var codes = tokenizer.Encode(images);                                                 // (B, n); also the warm-up
        double encode = Timing.Best(repetitions, () => { using var c = tokenizer.Encode(images); }, warmups: 0);
        using (tokenizer.Decode(codes.narrow(0, 0, 1))) { }                                   // warm-up
        double decode = Timing.Best(repetitions, () => { using var x = tokenizer.Decode(codes); }, warmups: 0);
        return (batch / encode, batch / decode);
    }
}
