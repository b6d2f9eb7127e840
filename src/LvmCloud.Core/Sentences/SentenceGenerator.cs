using LvmCloud.Core.Images;

namespace LvmCloud.Core.Sentences;

/// <summary>
/// Builds LVM-style visual sentences from a labelled image set. All choices come
/// from one <see cref="DeterministicRandom"/>, so the same images, seed and call
/// order give the same sentences.
/// </summary>
public sealed class SentenceGenerator
{
    private readonly IReadOnlyList<LabelledImage> _images;
    private readonly DeterministicRandom _random;
    private readonly Dictionary<int, int[]> _byLabel;

    public SentenceGenerator(IReadOnlyList<LabelledImage> images, long seed)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0)
        {
            throw new ArgumentException("The image set is empty.", nameof(images));
        }

        _images = images;
        _random = new DeterministicRandom(seed);
        _byLabel = Enumerable.Range(0, images.Count)
            .GroupBy(i => images[i].Label)
            .OrderBy(g => g.Key)
            .ToDictionary(g => g.Key, g => g.ToArray());
    }

    /// <summary>A synthetic video of one random image: <paramref name="frames"/> frames.</summary>
    public GeneratedSentence Sequence(int frames, VideoMotion motion)
    {
        RgbImage image = _images[_random.Next(_images.Count)].Image;
        long videoSeed = (long)(_random.NextUInt64() & long.MaxValue);
        return new GeneratedSentence(SyntheticVideo.Generate(image, frames, motion, videoSeed), SentenceKinds.Sequence,
            motion == VideoMotion.Translate ? "translate" : "rotate");
    }

    /// <summary>x1, T(x1), x2, T(x2), ... over <paramref name="pairs"/> distinct random images.</summary>
    public GeneratedSentence Pairs(NamedTransform transform, int pairs)
    {
        ArgumentNullException.ThrowIfNull(transform);
        var sentence = new List<RgbImage>(2 * pairs);
        foreach (int index in DistinctImages(pairs))
        {
            RgbImage x = _images[index].Image;
            sentence.Add(x);
            sentence.Add(transform.Apply(x));
        }

        return new GeneratedSentence(sentence, SentenceKinds.Pairs, transform.Name);
    }

    /// <summary>An analogy sentence: <see cref="Pairs"/> with a transform drawn from <paramref name="transforms"/> (default: the catalogue).</summary>
    public GeneratedSentence Analogy(int pairs, IReadOnlyList<NamedTransform>? transforms = null)
    {
        transforms ??= NamedTransform.Catalogue;
        return Pairs(transforms[_random.Next(transforms.Count)], pairs);
    }

    /// <summary>mask(x1), x1, mask(x2), x2, ...: the model learns to fill the grey square.</summary>
    public GeneratedSentence Inpainting(int pairs)
    {
        var sentence = new List<RgbImage>(2 * pairs);
        foreach (int index in DistinctImages(pairs))
        {
            RgbImage x = _images[index].Image;
            sentence.Add(ImageTransforms.MaskCentre(x));
            sentence.Add(x);
        }

        return new GeneratedSentence(sentence, SentenceKinds.Inpainting, "mask-centre");
    }

    /// <summary><paramref name="count"/> distinct images sharing one random label (among labels that have enough images).</summary>
    public GeneratedSentence Category(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        int[] labels = [.. _byLabel.Where(kv => kv.Value.Length >= count).Select(kv => kv.Key)];
        if (labels.Length == 0)
        {
            throw new InvalidOperationException($"No label has {count} images; the largest class has {_byLabel.Values.Max(v => v.Length)}.");
        }

        int label = labels[_random.Next(labels.Length)];
        int[] members = _byLabel[label];
        RgbImage[] sentence = [.. _random.Sample(members.Length, count).Select(i => _images[members[i]].Image)];
        return new GeneratedSentence(sentence, SentenceKinds.Category, $"label-{label}");
    }

    private int[] DistinctImages(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        if (count > _images.Count)
        {
            throw new InvalidOperationException($"{count} distinct images requested, the set has {_images.Count}.");
        }

        return _random.Sample(_images.Count, count);
    }
}
