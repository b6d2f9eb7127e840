using Azure.Data.Tables;

namespace LvmCloud.Platform.State;

/// <summary>A table row with a named state (a batch, a tokenize run, a training round or shard): what leases and lifecycles act on.</summary>
public interface IStatefulEntity : ITableEntity
{
    string State { get; set; }
}
