using Azure;
using LvmCloud.Platform.State;
using LvmCloud.Platform.State.Leases;

namespace LvmCloud.Platform.Tests.State.Leases;

/// <summary>A row with one lease (held in state <c>working</c>) for the lease's own tests: waiting → working → done.</summary>
public sealed class LeaseTestRow : IStatefulEntity
{
    public const string Waiting = "waiting";
    public const string Working = "working";
    public const string Done = "done";

    public static readonly LeaseColumns<LeaseTestRow> Lease =
        new("test", Working, r => r.Holder, (r, v) => r.Holder = v, r => r.HeldSince, (r, v) => r.HeldSince = v);

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "row";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string State { get; set; } = Waiting;
    public string? Holder { get; set; }
    public DateTimeOffset? HeldSince { get; set; }
    public int Renewals { get; set; }
    public string? Result { get; set; }
}
