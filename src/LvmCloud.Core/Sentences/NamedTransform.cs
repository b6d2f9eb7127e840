using LvmCloud.Core.Images;

namespace LvmCloud.Core.Sentences;

/// <summary>A transform x -> y for pair sentences, with a stable name for dataset descriptions.</summary>
public sealed record NamedTransform(string Name, Func<RgbImage, RgbImage> Apply)
{
    /// <summary>
    /// The transforms the bundled model is trained on. Sizes are relative to the
    /// image, so they suit 28x28 Fashion-MNIST and larger images alike.
    /// </summary>
    public static IReadOnlyList<NamedTransform> Catalogue { get; } =
    [
        new("flip-horizontal", ImageTransforms.FlipHorizontal),
        new("invert", ImageTransforms.Invert),
        new("mask-centre", image => ImageTransforms.MaskCentre(image)),
        new("translate-right", image => ImageTransforms.Translate(image, Math.Max(1, image.Width / 7), 0)),
        new("translate-down", image => ImageTransforms.Translate(image, 0, Math.Max(1, image.Height / 7))),
        new("rotate-90", image => ImageTransforms.Rotate90(image, 1)),
        new("rotate-15", image => ImageTransforms.Rotate(image, 15f)),
        new("threshold", image => ImageTransforms.Threshold(image)),
        new("tint-red", image => ImageTransforms.Tint(image, 1f, 0.2f, 0.2f)),
    ];

    public static NamedTransform ByName(string name) =>
        Catalogue.FirstOrDefault(t => t.Name == name)
        ?? throw new ArgumentException(
            $"Unknown transform '{name}'; known: {string.Join(", ", Catalogue.Select(t => t.Name))}.", nameof(name));
}
