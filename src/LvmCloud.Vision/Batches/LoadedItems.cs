using LvmCloud.Vision.Pipelines;

namespace LvmCloud.Vision.Batches;

/// <summary>
/// Items after <see cref="BatchItemRunner.LoadAsync"/>: the ones whose images were refused already have their run (a
/// record, no files); the others wait for the model as <see cref="Inputs"/>, in item order.
/// </summary>
public sealed class LoadedItems
{
    private readonly ItemRun?[] _runs;
    private readonly List<(int Index, double LoadMs)> _loaded = [];
    private readonly List<CompletionInput> _inputs = [];

    internal LoadedItems(int count) => _runs = new ItemRun?[count];

    /// <summary>The items for the model, loaded at its resolution.</summary>
    public IReadOnlyList<CompletionInput> Inputs => _inputs;

    /// <summary>Rows these items add to a generation batch: every candidate of every item that reaches the model.</summary>
    public int Rows => _inputs.Sum(i => i.Item.Generation.Candidates);

    internal void Refused(int index, ItemRun run) => _runs[index] = run;

    internal void Loaded(int index, CompletionInput input, double loadMs)
    {
        _loaded.Add((index, loadMs));
        _inputs.Add(input);
    }

    internal (int Index, double LoadMs) Slot(int input) => _loaded[input];

    internal void Finished(int index, ItemRun run) => _runs[index] = run;

    internal IReadOnlyList<ItemRun> Runs() => _runs.Select(r => r!).ToList();
}
