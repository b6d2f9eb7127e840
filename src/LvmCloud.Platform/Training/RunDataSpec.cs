namespace LvmCloud.Platform.Training;

/// <summary>
/// The token shards of a run. Each entry is a shard file (<c>.bin</c> or <c>.jsonl</c>) or a folder ending in '/'
/// (its shards): <c>tokens/{dataset}/{tokenizerId}/...</c> names registered shards, <c>data/...</c> (or
/// <c>training/{runId}/data/...</c>) a shard set uploaded into the run's own folder. Nothing else is reachable.
/// </summary>
/// <param name="Train">Shards to train on, split between the round's shard jobs.</param>
/// <param name="Eval">Held-out shards: the merged weights are measured on them after every round (optional).</param>
public sealed record RunDataSpec(IReadOnlyList<string>? Train = null, IReadOnlyList<string>? Eval = null)
{
    public IEnumerable<string> Validate(string runId)
    {
        if (Train is null || Train.Count == 0)
            yield return "data.train is empty: name at least one token shard or folder";
        foreach (var (name, entries) in new[] { ("data.train", Train), ("data.eval", Eval) })
        {
            if (entries is null)
                continue;
            if (entries.Count > TrainingLimits.MaxDataEntries)
                yield return $"{name} has {entries.Count} entries, at most {TrainingLimits.MaxDataEntries}";
            foreach (var entry in entries.Take(TrainingLimits.MaxDataEntries))
                if (TrainingDataPath.Resolve(entry, runId, out _) is { } problem)
                    yield return $"{name}: {problem}";
        }
    }
}
