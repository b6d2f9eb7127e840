using LvmCloud.Platform.Queues;

namespace LvmCloud.Platform.Training;

/// <summary>
/// Where a run starts: a registered <see cref="Model"/> (fine-tuning: its transformer's weights, its tokenizer and
/// context), or a transformer <see cref="Preset"/> with seeded random weights and a registered model's
/// <see cref="Tokenizer"/> (training from scratch).
/// </summary>
/// <param name="ContextFrames">Images per visual sentence for the registered model's <c>lvm.json</c> (default: the base or tokenizer model's, if it fits).</param>
public sealed record RunBaseSpec(ModelReference? Model = null, string? Preset = null, ModelReference? Tokenizer = null, int? ContextFrames = null)
{
    public IEnumerable<string> Validate()
    {
        if (Model is not null && (Preset is not null || Tokenizer is not null))
            yield return "base names a model and a preset or tokenizer: give either a model (fine-tune) or a preset and a tokenizer (from scratch)";
        else if (Model is null && Preset is null)
            yield return "base names neither a model nor a preset";
        if (Model is not null && Model.Problem() is { } modelProblem)
            yield return $"base.model: {modelProblem}";
        if (Preset is not null && !TransformerPresetNames.All.Contains(Preset))
            yield return $"base.preset '{Preset}' is not a transformer preset (known: {string.Join(", ", TransformerPresetNames.All)})";
        if (Preset is not null && Model is null && Tokenizer is null)
            yield return "base.tokenizer is missing: a preset trained from scratch needs a registered model whose tokenizer it uses";
        if (Tokenizer is not null && Tokenizer.Problem() is { } tokenizerProblem)
            yield return $"base.tokenizer: {tokenizerProblem}";
        if (ContextFrames is < 2 or > 1024)
            yield return $"base.contextFrames must be between 2 and 1024, got {ContextFrames}";
    }

    /// <summary>The registered model whose tokenizer the trained model uses.</summary>
    public ModelReference? TokenizerSource => Model ?? Tokenizer;

    public override string ToString() => Model is not null ? $"model {Model}" : $"preset {Preset} with the tokenizer of {Tokenizer}";
}
