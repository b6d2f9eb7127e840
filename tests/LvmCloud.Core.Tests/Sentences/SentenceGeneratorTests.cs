using LvmCloud.Core.Images;
using LvmCloud.Core.Sentences;

namespace LvmCloud.Core.Tests.Sentences;

public sealed class SentenceGeneratorTests
{
    // 12 distinct 6x6 images, labels 0, 1, 2 repeating.
    private static readonly IReadOnlyList<LabelledImage> Images =
        [.. Enumerable.Range(0, 12).Select(i => new LabelledImage(Distinct(i), i % 3))];

    private static RgbImage Distinct(int i) =>
        RgbImage.FromGray(6, 6, [.. Enumerable.Range(0, 36).Select(p => ((p * 7) + (i * 13)) % 36 / 36f)]);

    [Fact]
    public void Same_seed_gives_the_same_sentences()
    {
        var a = new SentenceGenerator(Images, 11);
        var b = new SentenceGenerator(Images, 11);

        Assert.Equal(Flatten(a.Analogy(3)), Flatten(b.Analogy(3)));
        Assert.Equal(Flatten(a.Category(4)), Flatten(b.Category(4)));
        Assert.Equal(Flatten(a.Sequence(4, VideoMotion.Translate)), Flatten(b.Sequence(4, VideoMotion.Translate)));
    }

    [Fact]
    public void Different_seeds_give_different_sentences()
    {
        Assert.NotEqual(
            Flatten(new SentenceGenerator(Images, 1).Pairs(NamedTransform.ByName("invert"), 3)),
            Flatten(new SentenceGenerator(Images, 2).Pairs(NamedTransform.ByName("invert"), 3)));
    }

    [Fact]
    public void Pairs_alternate_image_and_transformed_image()
    {
        NamedTransform flip = NamedTransform.ByName("flip-horizontal");

        GeneratedSentence sentence = new SentenceGenerator(Images, 3).Pairs(flip, 4);

        Assert.Equal((8, SentenceKinds.Pairs, "flip-horizontal"), (sentence.Images.Count, sentence.Kind, sentence.Detail));
        for (int i = 0; i < 8; i += 2)
        {
            Assert.Equal(ImageTransforms.FlipHorizontal(sentence.Images[i]).Data, sentence.Images[i + 1].Data);
        }

        Assert.Equal(4, sentence.Images.Where((_, i) => i % 2 == 0).Select(Flatten).Distinct(new SequenceComparer()).Count());
    }

    [Fact]
    public void Inpainting_puts_the_masked_image_first()
    {
        GeneratedSentence sentence = new SentenceGenerator(Images, 3).Inpainting(2);

        Assert.Equal(SentenceKinds.Inpainting, sentence.Kind);
        Assert.Equal(ImageTransforms.MaskCentre(sentence.Images[1]).Data, sentence.Images[0].Data);
        Assert.Equal(ImageTransforms.MaskCentre(sentence.Images[3]).Data, sentence.Images[2].Data);
    }

    [Fact]
    public void Category_groups_distinct_images_of_one_label()
    {
        GeneratedSentence sentence = new SentenceGenerator(Images, 9).Category(4);

        int[] labels = [.. sentence.Images.Select(img => Images.First(l => ReferenceEquals(l.Image, img)).Label)];
        Assert.Single(labels.Distinct());
        Assert.Equal(4, sentence.Images.Distinct().Count());
        Assert.Equal($"label-{labels[0]}", sentence.Detail);
    }

    [Fact]
    public void Category_larger_than_any_class_is_refused()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => new SentenceGenerator(Images, 9).Category(5));

        Assert.Contains("largest class has 4", ex.Message);
    }

    [Fact]
    public void Analogy_uses_a_catalogue_transform()
    {
        GeneratedSentence sentence = new SentenceGenerator(Images, 4).Analogy(2);

        NamedTransform used = NamedTransform.ByName(sentence.Detail!);
        Assert.Equal(used.Apply(sentence.Images[2]).Data, sentence.Images[3].Data);
    }

    [Fact]
    public void Translating_video_moves_the_image_by_a_constant_velocity()
    {
        RgbImage image = Distinct(0);

        IReadOnlyList<RgbImage> frames = SyntheticVideo.Generate(image, 4, VideoMotion.Translate, seed: 21);

        Assert.Equal(image.Data, frames[0].Data);
        (int dx, int dy) = FindShift(image, frames[1]);
        Assert.NotEqual((0, 0), (dx, dy));
        Assert.Equal(ImageTransforms.Translate(image, 3 * dx, 3 * dy).Data, frames[3].Data);
        Assert.Equal(Flatten(frames), Flatten(SyntheticVideo.Generate(image, 4, VideoMotion.Translate, seed: 21)));
    }

    [Fact]
    public void Rotating_video_changes_every_frame()
    {
        IReadOnlyList<RgbImage> frames = SyntheticVideo.Generate(Distinct(1), 3, VideoMotion.Rotate, seed: 2);

        Assert.Equal(3, frames.Count);
        Assert.NotEqual(frames[0].Data, frames[1].Data);
        Assert.NotEqual(frames[1].Data, frames[2].Data);
    }

    private static (int Dx, int Dy) FindShift(RgbImage from, RgbImage to)
    {
        for (int dy = -3; dy <= 3; dy++)
        {
            for (int dx = -3; dx <= 3; dx++)
            {
                if (ImageTransforms.Translate(from, dx, dy).Data.SequenceEqual(to.Data))
                {
                    return (dx, dy);
                }
            }
        }

        throw new InvalidOperationException("frame 1 is not a translation of frame 0");
    }

    private static float[] Flatten(GeneratedSentence sentence) => Flatten(sentence.Images);

    private static float[] Flatten(IEnumerable<RgbImage> images) => [.. images.SelectMany(i => i.Data)];

    private static float[] Flatten(RgbImage image) => image.Data;

    private sealed class SequenceComparer : IEqualityComparer<float[]>
    {
        public bool Equals(float[]? x, float[]? y) => x!.SequenceEqual(y!);

        public int GetHashCode(float[] obj) => obj.Length == 0 ? 0 : obj[0].GetHashCode();
    }
}
