using LvmCloud.Core.Images;
using LvmCloud.Core.Manifests;

namespace LvmCloud.Platform.Intake;

/// <summary>
/// The JSON shape of a <see cref="BatchItem"/> in its item row: flat, one property per manifest field, so that rows
/// written by any intake stay readable by any worker.
/// </summary>
internal sealed record StoredItem(
    string Id,
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
    ResizeOutputMode ResizeOutput,
    int LineNumber)
{
    public static StoredItem From(BatchItem item)
    {
        GenerationRequest generation = item.Generation;
        Sampling sampling = generation.Sampling;
        return new StoredItem(item.Id, item.Input, item.Output, item.Target, generation.NewFrames, generation.Candidates,
            sampling.Temperature, sampling.TopP, sampling.TopK, item.Seed, item.Sizing.Resize, item.Sizing.ResizeOutput, item.LineNumber);
    }

    public BatchItem ToItem() => new(Id, LineNumber, Input, Output, Target,
        new GenerationRequest(NewFrames, Candidates, new Sampling(Temperature, TopP, TopK)), Seed, new ImageSizing(Resize, ResizeOutput));
}
