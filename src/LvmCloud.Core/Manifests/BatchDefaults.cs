using LvmCloud.Core.Images;

namespace LvmCloud.Core.Manifests;

/// <summary>Batch-wide values used where an item line leaves a field out.</summary>
/// <param name="Generation"><c>n_new_frames</c>, <c>n_candidates</c>, <c>temperature</c> (0 means greedy), <c>top_p</c> (1 disables it) and <c>top_k</c> (0 disables it).</param>
/// <param name="Seed"><c>seed</c>: the batch seed; items without a seed derive theirs from it and their id.</param>
/// <param name="Sizing"><c>resize</c> and <c>resize_output</c>.</param>
public sealed record BatchDefaults(GenerationRequest Generation, long Seed, ImageSizing Sizing)
{
    /// <summary>LVM's batch script behaviour: one new frame, one candidate, plain sampling, stretch resize.</summary>
    public static BatchDefaults Builtin { get; } = new(
        Generation: new GenerationRequest(NewFrames: 1, Candidates: 1, new Sampling(Temperature: 1.0f, TopP: 1.0f, TopK: 0)),
        Seed: 0,
        Sizing: new ImageSizing(ResizeMode.Stretch, ResizeOutputMode.Model));
}
