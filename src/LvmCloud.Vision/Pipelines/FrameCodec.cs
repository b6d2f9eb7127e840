using LvmCloud.Core.Images;
using LvmCloud.Vision.Tokenizer;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Pipelines;

/// <summary>Images to code rows and back through a tokenizer, in chunks, without autograd.</summary>
public static class FrameCodec
{
    private const int Chunk = 64;

    /// <summary>One row of <c>TokensPerImage</c> codes per image.</summary>
    public static List<long[]> Encode(VqganTokenizer tokenizer, IReadOnlyList<RgbImage> images)
    {
        var result = new List<long[]>(images.Count);
        for (int start = 0; start < images.Count; start += Chunk)
        {
            using var scope = NewDisposeScope();
            var codes = tokenizer.Encode(ImageTensors.Stack(images.Skip(start).Take(Chunk).ToList())).cpu(); // (B, n)
            var flat = codes.data<long>().ToArray();
            int n = (int)codes.shape[1];
            for (int b = 0; b < codes.shape[0]; b++) result.Add(flat.AsSpan(b * n, n).ToArray());
        }
        return result;
    }

    /// <summary>One image (clamped to [0,1]) per row of codes.</summary>
    public static List<RgbImage> Decode(VqganTokenizer tokenizer, IReadOnlyList<long[]> frames)
    {
        var result = new List<RgbImage>(frames.Count);
        for (int start = 0; start < frames.Count; start += Chunk)
        {
            using var scope = NewDisposeScope();
            var part = frames.Skip(start).Take(Chunk).ToList();
            var codes = tensor(part.SelectMany(f => f).ToArray(), [part.Count, part[0].Length]);
            result.AddRange(ImageTensors.Unstack(tokenizer.Decode(codes)));
        }
        return result;
    }
}
