using LvmCloud.Core.Images;
using LvmCloud.Core.Sentences;
using LvmCloud.Core.Storage;

namespace LvmCloud.Vision.Tests.Support;

/// <summary>A real dataset folder for tests: PNG images with distinct patterns and a <c>sentences.jsonl</c> listing them.</summary>
internal sealed class TestDataset : IDisposable
{
    public TestDataset(int size = 16)
    {
        Size = size;
        Root = Path.Combine(Path.GetTempPath(), "lvmcloud-vision-data-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
        Store = new FolderStore(Root);
    }

    public string Root { get; }

    public FolderStore Store { get; }

    public int Size { get; }

    private readonly List<string> _lines = [];

    /// <summary>A sentence of <paramref name="frames"/> new images (sentence <c>n</c>'s <c>s{n}/{k}.png</c>); returns the images as written.</summary>
    public IReadOnlyList<RgbImage> Sentence(int frames, string? kind = null, string? id = null)
    {
        int n = _lines.Count;
        var images = new List<RgbImage>();
        var paths = new List<string>();
        for (int k = 0; k < frames; k++)
        {
            var image = new RgbImage(Size, Size);
            for (int i = 0; i < image.Data.Length; i++)
                image.Data[i] = (byte)((i * (3 + n) + k * 40 + n * 17) % 256) / 255f;
            string path = $"s{n:D3}/{k}.png";
            Directory.CreateDirectory(Path.GetDirectoryName(Store.FullPath(path))!);
            ImageWriter.SavePng(image, Store.FullPath(path));
            images.Add(image);
            paths.Add(path);
        }
        Line(VisualSentenceParser.Format(paths, kind, id));
        return images;
    }

    /// <summary>Adds a raw line to <c>sentences.jsonl</c>.</summary>
    public void Line(string line)
    {
        _lines.Add(line);
        File.WriteAllText(Path.Combine(Root, SentenceDatasetWriter.SentencesFileName), string.Join("\n", _lines) + "\n");
    }

    /// <summary>Overwrites an image with bytes that are not an image.</summary>
    public void Break(string path) => File.WriteAllBytes(Store.FullPath(path), "this is not a PNG"u8.ToArray());

    public void Remove(string path) => File.Delete(Store.FullPath(path));

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { /* best effort */ }
    }
}
