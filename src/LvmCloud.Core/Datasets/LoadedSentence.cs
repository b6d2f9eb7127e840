using LvmCloud.Core.Images;
using LvmCloud.Core.Sentences;

namespace LvmCloud.Core.Datasets;

/// <summary>A sentence with its images at the model resolution, in sentence order.</summary>
public sealed record LoadedSentence(VisualSentence Sentence, IReadOnlyList<RgbImage> Images);
