using LvmCloud.Platform.Storage;

namespace LvmCloud.Platform.Queues;

/// <summary>A <c>generate</c> job: complete these items of a batch with this model (run as one generation batch).</summary>
public sealed record GeneratePayload(string BatchId, IReadOnlyList<string> ItemIds, ModelReference Model) : IJobPayload
{
    public static string Kind => QueueNames.GenerateKind;

    public IEnumerable<string> Validate()
    {
        if (!Identifiers.IsValidBatchId(BatchId))
            yield return $"batchId '{BatchId}' is not a valid batch id";
        if (ItemIds is null || ItemIds.Count == 0)
            yield return "itemIds is empty";
        else if (ItemIds.FirstOrDefault(id => !Identifiers.IsValidItemId(id)) is { } bad)
            yield return $"itemId '{bad}' is not a valid item id";
        if (Model is null || string.IsNullOrWhiteSpace(Model.Name) || string.IsNullOrWhiteSpace(Model.Version))
            yield return "model needs a name and a version";
        else if (Model.Problem() is { } problem)
            yield return problem;
    }

    public string Describe() => $"batch {BatchId}, {ItemIds.Count} items, model {Model}";

    public IEnumerable<KeyValuePair<string, object?>> SpanTags() =>
    [
        new("lvm.batch_id", BatchId),
        new("lvm.item_count", ItemIds.Count),
    ];
}
