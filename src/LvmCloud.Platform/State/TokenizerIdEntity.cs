using Azure;
using Azure.Data.Tables;

namespace LvmCloud.Platform.State;

/// <summary>
/// A resolved tokenizer id, so planning hashes a tokenizer's files once per version of them rather than on every
/// run: keyed by name and version, valid while the listing of its files (paths and ETags) hashes to
/// <see cref="SourceVersion"/>.
/// </summary>
public sealed class TokenizerIdEntity : ITableEntity
{
    public string PartitionKey { get; set; } = TokenizePartition.TokenizerIds;
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string SourceVersion { get; set; } = "";
    public string Hash { get; set; } = "";

    public static string RowKeyFor(Queues.ModelReference tokenizer) => $"{tokenizer.Name}~{tokenizer.Version}";
}
