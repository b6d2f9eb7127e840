namespace LvmCloud.Core.Manifests;

/// <summary>A validated manifest line with every default filled in.</summary>
/// <param name="Id">Given id, or <c>item-{line:D5}</c>.</param>
/// <param name="LineNumber">1-based line in the manifest.</param>
/// <param name="Input">Prompt images in order, relative to the batch's inputs folder.</param>
/// <param name="Output">Name of the first output image (default <c>{id}.png</c>).</param>
/// <param name="Target">Images whose perplexity given the prompt is reported (may be empty).</param>
/// <param name="Generation">New frames, candidates and sampling.</param>
/// <param name="Seed">Given seed, or <see cref="StableSeed.Derive"/>(batch seed, id).</param>
/// <param name="Sizing">Input resize mode and output size mode.</param>
public sealed record BatchItem(
    string Id,
    int LineNumber,
    IReadOnlyList<string> Input,
    string Output,
    IReadOnlyList<string> Target,
    GenerationRequest Generation,
    long Seed,
    ImageSizing Sizing) : ManifestLine(LineNumber);
