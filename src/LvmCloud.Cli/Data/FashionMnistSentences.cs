using LvmCloud.Core.Datasets;
using LvmCloud.Core.Images;
using LvmCloud.Core.Sentences;

namespace LvmCloud.Cli.Data;

/// <summary>
/// The bundled model's training data: Fashion-MNIST images (28×28 grey, padded with 2 black pixels to 32×32)
/// turned into four-frame LVM visual sentences, one kind in turn: analogies (x, invert(x)) and (x, flip(x)),
/// inpainting (mask(x), x), short translating "videos", and category groups.
/// </summary>
public static class FashionMnistSentences
{
    public const string TrainImages = "train-images-idx3-ubyte.gz";
    public const string TrainLabels = "train-labels-idx1-ubyte.gz";
    public const string TestImages = "t10k-images-idx3-ubyte.gz";
    public const string TestLabels = "t10k-labels-idx1-ubyte.gz";

    /// <summary>The sentence kinds, in the order they take turns.</summary>
    public static readonly string[] Kinds = ["invert", "flip", "inpaint", "video", "category"];

    public static IReadOnlyList<LabelledImage> LoadImages(string sourceDirectory, bool test, int? limit)
    {
        string images = Path.Combine(sourceDirectory, test ? TestImages : TrainImages);
        string labels = Path.Combine(sourceDirectory, test ? TestLabels : TrainLabels);
        foreach (var f in new[] { images, labels })
            if (!File.Exists(f))
                throw new FileNotFoundException($"'{f}' not found. Fashion-MNIST comes with Debian's dataset-fashion-mnist package (apt-get install dataset-fashion-mnist), under /usr/share/datasets/fashion-mnist.");
        var set = FashionMnist.Load(images, labels);
        int count = Math.Min(limit ?? set.Count, set.Count);
        return set.ToLabelledImages(0, count).Select(l => new LabelledImage(Pad(l.Image, 32), l.Label)).ToList();
    }

    /// <summary>Centres <paramref name="image"/> on a black square of side <paramref name="size"/>.</summary>
    public static RgbImage Pad(RgbImage image, int size)
    {
        if (image.Width == size && image.Height == size) return image;
        var padded = new RgbImage(size, size);
        int ox = (size - image.Width) / 2, oy = (size - image.Height) / 2;
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < image.Height; y++)
                for (int x = 0; x < image.Width; x++)
                    padded.Data[(c * size + y + oy) * size + x + ox] = image[c, y, x];
        return padded;
    }

    /// <summary><paramref name="count"/> sentences of four frames, kinds taking turns, all from <paramref name="seed"/>.</summary>
    public static IEnumerable<GeneratedSentence> Generate(IReadOnlyList<LabelledImage> images, int count, long seed)
    {
        var generator = new SentenceGenerator(images, seed);
        var invert = NamedTransform.ByName("invert");
        var flip = NamedTransform.ByName("flip-horizontal");
        for (int i = 0; i < count; i++)
        {
            yield return Kinds[i % Kinds.Length] switch
            {
                // The transform is part of the kind, so evaluation can score each analogy on its own.
                "invert" => generator.Pairs(invert, 2) with { Kind = "pairs-invert" },
                "flip" => generator.Pairs(flip, 2) with { Kind = "pairs-flip" },
                "inpaint" => generator.Inpainting(2),
                "video" => generator.Sequence(4, VideoMotion.Translate),
                _ => generator.Category(4),
            };
        }
    }
}
