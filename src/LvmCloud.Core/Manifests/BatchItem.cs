using LvmCloud.Core.Images;

namespace LvmCloud.Core.Manifests;

/// <summary>A validated manifest line with every default filled in.</summary>
/// <param name="Id">Given id, or <c>item-{line:D5}</c>.</param>
/// <param name="LineNumber">1-based line in the manifest.</param>
/// <param name="Input">Prompt images in order, relative to the batch's inputs folder.</param>
/// <param name="Output">Name of the first output image (default <c>{id}.png</c>).</param>
/// <param name="Target">Images whose perplexity given the prompt is reported (may be empty).</param>
/// <param name="NewFrames">Images to generate after the prompt.</param>
/// <param name="Candidates">Independent samples.</param>
/// <param name="Temperature">Sampling temperature; 0 is greedy.</param>
/// <param name="TopP">Nucleus mass.</param>
/// <param name="TopK">Top-k; 0 disables it.</param>
/// <param name="Seed">Given seed, or <see cref="StableSeed.Derive"/>(batch seed, id).</param>
/// <param name="Resize">Input resize mode.</param>
/// <param name="ResizeOutput">Output size mode.</param>
public sealed record BatchItem(
    string Id,
    int LineNumber,
    IReadOnlyList<string> Input,
    string Output,
    IReadOnlyList<string> Target,
    int NewFrames,
    int Candidates,
    float Temperature,
    float TopP,
    int TopK,
    long Seed,
    ResizeMode Resize,
    ResizeOutputMode ResizeOutput) : ManifestLine(LineNumber);
