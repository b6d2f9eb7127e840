namespace LvmCloud.Core.Tokens;

/// <summary>A token shard could not be read: damaged, truncated or not a shard.</summary>
public sealed class TokenShardFormatException(string shardName, string detail, Exception? inner = null)
    : FormatException($"Token shard '{shardName}' is invalid: {detail}", inner)
{
    /// <summary>The file or stream name.</summary>
    public string ShardName { get; } = shardName;

    /// <summary>What is wrong, without the shard name.</summary>
    public string Detail { get; } = detail;
}
