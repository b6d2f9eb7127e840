using LvmCloud.Core.Images;

namespace LvmCloud.Core.Sentences;

/// <summary>An image with its class label (e.g. a Fashion-MNIST category 0..9).</summary>
public sealed record LabelledImage(RgbImage Image, int Label);
