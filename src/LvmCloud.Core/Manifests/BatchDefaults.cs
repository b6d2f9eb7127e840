using LvmCloud.Core.Images;

namespace LvmCloud.Core.Manifests;

/// <summary>Batch-wide values used where an item line leaves a field out.</summary>
/// <param name="NewFrames"><c>n_new_frames</c>: images to generate after the prompt.</param>
/// <param name="Candidates"><c>n_candidates</c>: independent samples per item.</param>
/// <param name="Temperature"><c>temperature</c>: 0 means greedy (argmax).</param>
/// <param name="TopP"><c>top_p</c>: nucleus mass in (0, 1]; 1 disables it.</param>
/// <param name="TopK"><c>top_k</c>: 0 disables it.</param>
/// <param name="Seed"><c>seed</c>: the batch seed; items without a seed derive theirs from it and their id.</param>
/// <param name="Resize"><c>resize</c>: how inputs become square.</param>
/// <param name="ResizeOutput"><c>resize_output</c>: size of written outputs.</param>
public sealed record BatchDefaults(
    int NewFrames,
    int Candidates,
    float Temperature,
    float TopP,
    int TopK,
    long Seed,
    ResizeMode Resize,
    ResizeOutputMode ResizeOutput)
{
    /// <summary>LVM's batch script behaviour: one new frame, one candidate, plain sampling, stretch resize.</summary>
    public static BatchDefaults Builtin { get; } = new(
        NewFrames: 1,
        Candidates: 1,
        Temperature: 1.0f,
        TopP: 1.0f,
        TopK: 0,
        Seed: 0,
        Resize: ResizeMode.Stretch,
        ResizeOutput: ResizeOutputMode.Model);
}
