using System.Runtime.Serialization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;

namespace LvmCloud.Platform.State;

/// <summary>One row per item: partition = batch id, row = <c>item-{itemId}</c>. Written only with ETag conditions.</summary>
public sealed class ItemEntity : ITableEntity
{
    public const string RowKeyPrefix = "item-";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string ItemId { get; set; } = "";
    /// <summary>Line number in the manifest (1-based): results keep manifest order.</summary>
    public int Line { get; set; }
    public string State { get; set; } = ItemStates.Queued;
    /// <summary>The item's manifest line as validated at intake (batch defaults applied), JSON.</summary>
    public string? ItemJson { get; set; }
    /// <summary>Input image paths relative to <c>{batchId}/inputs/</c>, JSON array.</summary>
    public string InputsJson { get; set; } = "[]";
    /// <summary>
    /// The item's line of <c>results.jsonl</c> as the worker's item runner wrote it (the same record <c>lvm complete</c>
    /// writes: outputs and contact sheet relative to <c>results/{batchId}/</c>); null until the item ran.
    /// </summary>
    public string? ResultJson { get; set; }
    /// <summary>Output file names under <c>results/{batchId}/items/{itemId}/</c>, JSON array.</summary>
    public string OutputsJson { get; set; } = "[]";
    /// <summary>Machine-readable failure reason (manifest or image reject code, <c>model-error</c>, <c>poison</c>, <c>cancelled</c>).</summary>
    public string? ErrorCode { get; set; }
    public string? Error { get; set; }
    public string? LastError { get; set; }
    public int Attempts { get; set; }
    public string? JobId { get; set; }
    public DateTimeOffset? EnqueuedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public double? QueueWaitMs { get; set; }
    public double? ModelMs { get; set; }
    public double? TotalMs { get; set; }
    public double? Perplexity { get; set; }
    public long? Seed { get; set; }
    public long? TokensGenerated { get; set; }

    [IgnoreDataMember]
    public IReadOnlyList<string> Inputs => JsonSerializer.Deserialize<string[]>(InputsJson) ?? [];
    [IgnoreDataMember]
    public IReadOnlyList<string> Outputs => JsonSerializer.Deserialize<string[]>(OutputsJson) ?? [];

    public static string RowKeyFor(string itemId) => RowKeyPrefix + itemId;

    public static ItemEntity New(string batchId, string itemId, int line) =>
        new() { PartitionKey = batchId, RowKey = RowKeyFor(itemId), ItemId = itemId, Line = line };
}
