using LvmCloud.Core.Images;

namespace LvmCloud.Core.Manifests;

/// <summary>The optional fields shared by item lines, the defaults line and batch.json.</summary>
internal static class BatchOverrides
{
    public const string NewFrames = "n_new_frames";
    public const string Candidates = "n_candidates";
    public const string Temperature = "temperature";
    public const string TopP = "top_p";
    public const string TopK = "top_k";
    public const string Seed = "seed";
    public const string Resize = "resize";
    public const string ResizeOutput = "resize_output";

    public static readonly string[] Names = [NewFrames, Candidates, Temperature, TopP, TopK, Seed, Resize, ResizeOutput];

    /// <summary>Applies the fields present in <paramref name="fields"/> over <paramref name="baseline"/>; the seed is returned apart because items treat it differently.</summary>
    public static (BatchDefaults Values, long? Seed) Apply(JsonFields fields, BatchDefaults baseline, ManifestLimits limits)
    {
        int? newFrames = fields.Int(NewFrames, 1, int.MaxValue);
        if (newFrames > limits.MaxNewFrames)
        {
            throw new ManifestLineException(ManifestErrorReason.TooManyFrames,
                $"'{NewFrames}' is {newFrames}, the limit is {limits.MaxNewFrames}");
        }

        int? candidates = fields.Int(Candidates, 1, int.MaxValue);
        if (candidates > limits.MaxCandidates)
        {
            throw new ManifestLineException(ManifestErrorReason.TooManyCandidates,
                $"'{Candidates}' is {candidates}, the limit is {limits.MaxCandidates}");
        }

        long? seed = fields.Long(Seed, 0, long.MaxValue);
        GenerationRequest generation = baseline.Generation;
        Sampling sampling = generation.Sampling;
        ImageSizing sizing = baseline.Sizing;
        BatchDefaults values = new(
            new GenerationRequest(
                newFrames ?? generation.NewFrames,
                candidates ?? generation.Candidates,
                new Sampling(
                    fields.Float(Temperature, 0, 100) ?? sampling.Temperature,
                    fields.Float(TopP, 0, 1, minExclusive: true) ?? sampling.TopP,
                    fields.Int(TopK, 0, int.MaxValue) ?? sampling.TopK)),
            seed ?? baseline.Seed,
            new ImageSizing(
                ReadResize(fields) ?? sizing.Resize,
                ReadResizeOutput(fields) ?? sizing.ResizeOutput));
        return (values, seed);
    }

    private static ResizeMode? ReadResize(JsonFields fields) => fields.String(Resize) switch
    {
        null => null,
        "stretch" => ResizeMode.Stretch,
        "center-crop" => ResizeMode.CenterCrop,
        var other => throw new ManifestLineException(ManifestErrorReason.OutOfRange,
            $"'{Resize}' is '{other}', it must be 'stretch' or 'center-crop'"),
    };

    private static ResizeOutputMode? ReadResizeOutput(JsonFields fields) => fields.String(ResizeOutput) switch
    {
        null => null,
        "model" => ResizeOutputMode.Model,
        "original" => ResizeOutputMode.Original,
        var other => throw new ManifestLineException(ManifestErrorReason.OutOfRange,
            $"'{ResizeOutput}' is '{other}', it must be 'model' or 'original'"),
    };
}
