using LvmCloud.Core.Images;
using LvmCloud.Core.Manifests;

namespace LvmCloud.Vision.Pipelines;

/// <summary>One manifest item with its prompt frames (and targets, for perplexity) already loaded at the model's resolution.</summary>
public sealed record CompletionInput(BatchItem Item, IReadOnlyList<LoadedImage> Frames, IReadOnlyList<LoadedImage> Target);
