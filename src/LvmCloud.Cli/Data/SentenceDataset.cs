using LvmCloud.Core.Images;
using LvmCloud.Core.Sentences;

namespace LvmCloud.Cli.Data;

/// <summary>A dataset folder: <c>sentences.jsonl</c> listing images (relative paths) in sentence order.</summary>
public sealed class SentenceDataset
{
    private SentenceDataset(string folder, IReadOnlyList<VisualSentence> sentences)
    {
        Folder = folder;
        Sentences = sentences;
    }

    public string Folder { get; }
    public IReadOnlyList<VisualSentence> Sentences { get; }

    public static SentenceDataset Open(string folder)
    {
        string path = Path.Combine(folder, SentenceDatasetWriter.SentencesFileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"'{path}' not found: a dataset folder holds a sentences.jsonl listing its images.");
        var parsed = VisualSentenceParser.Parse(File.ReadAllText(path));
        if (parsed.Invalid.Count > 0)
        {
            var first = parsed.Invalid[0];
            throw new InvalidDataException($"'{path}' has {parsed.Invalid.Count} invalid line(s); line {first.LineNumber}: {first.Error}");
        }
        if (parsed.Sentences.Count == 0) throw new InvalidDataException($"'{path}' lists no sentences.");
        return new SentenceDataset(folder, parsed.Sentences);
    }

    /// <summary>Every distinct image path, in first-use order.</summary>
    public IReadOnlyList<string> DistinctImages() => Sentences.SelectMany(s => s.Images).Distinct().ToList();

    /// <summary>Loads images at the model resolution (LVM's plain bicubic resize), in parallel, in the given order.</summary>
    public RgbImage[] LoadImages(IReadOnlyList<string> relativePaths, int resolution, Action<int>? onLoaded = null)
    {
        var result = new RgbImage[relativePaths.Count];
        Parallel.For(0, relativePaths.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Environment.ProcessorCount) }, i =>
        {
            string full = Path.Combine(Folder, relativePaths[i]);
            result[i] = ImageLoader.LoadForModel(full, resolution, ResizeMode.Stretch, ImageLimits.Default, relativePaths[i]).Pixels;
            onLoaded?.Invoke(1);
        });
        return result;
    }

    /// <summary>Images as bytes (N, 3, H, W) for training: round(v * 255).</summary>
    public static byte[] ToBytes(IReadOnlyList<RgbImage> images)
    {
        int size = images[0].Data.Length;
        var bytes = new byte[images.Count * size];
        for (int i = 0; i < images.Count; i++)
        {
            var d = images[i].Data;
            for (int j = 0; j < size; j++) bytes[i * size + j] = (byte)Math.Clamp(MathF.Round(d[j] * 255f), 0, 255);
        }
        return bytes;
    }
}
