namespace LvmCloud.Core.Manifests;

/// <summary>What to generate after an item's prompt: how many frames, how many independent candidates, and how tokens are drawn.</summary>
/// <param name="NewFrames"><c>n_new_frames</c>: images to generate after the prompt.</param>
/// <param name="Candidates"><c>n_candidates</c>: independent samples per item.</param>
/// <param name="Sampling"><c>temperature</c>, <c>top_p</c> and <c>top_k</c>.</param>
public sealed record GenerationRequest(int NewFrames, int Candidates, Sampling Sampling);
