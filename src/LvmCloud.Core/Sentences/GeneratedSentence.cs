using LvmCloud.Core.Images;

namespace LvmCloud.Core.Sentences;

/// <summary>A visual sentence built in memory.</summary>
/// <param name="Images">The images in sentence order.</param>
/// <param name="Kind">One of <see cref="SentenceKinds"/>.</param>
/// <param name="Detail">What varies within the kind: the transform name, the label, the motion.</param>
public sealed record GeneratedSentence(IReadOnlyList<RgbImage> Images, string Kind, string? Detail = null);
