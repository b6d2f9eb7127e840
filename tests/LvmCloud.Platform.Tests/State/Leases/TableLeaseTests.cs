using Azure.Data.Tables;
using LvmCloud.Platform.State;
using LvmCloud.Platform.State.Leases;
using LvmCloud.Platform.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace LvmCloud.Platform.Tests.State.Leases;

/// <summary>
/// The one claim/lease primitive, against real Table Storage (Azurite) and a fake clock: racing claimants, renewal,
/// a lapsed holder taken over, finish-once, and release.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class TableLeaseTests(AzuriteFixture azurite)
{
    private static readonly TimeSpan Duration = TimeSpan.FromMinutes(5);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2025, 1, 1, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Two_racing_claimants_of_the_same_row_and_ETag_one_wins_the_other_sees_it_held()
    {
        var (table, lease, key) = await NewRowAsync();
        var rowA = await ReadAsync(table, key);
        var rowB = await ReadAsync(table, key);

        var claims = await Task.WhenAll(
            lease.ClaimAsync(rowA, "A", Claimable, null, CancellationToken.None),
            lease.ClaimAsync(rowB, "B", Claimable, null, CancellationToken.None));

        Assert.Single(claims, c => c.Claimed);
        var loser = Assert.Single(claims, c => !c.Claimed);
        Assert.Equal(LeaseClaimOutcome.HeldElsewhere, loser.Outcome);
        Assert.Equal(_clock.GetUtcNow() + Duration, loser.HeldUntil);
        var stored = await ReadAsync(table, key);
        Assert.Equal(LeaseTestRow.Working, stored.State);
        Assert.Equal(claims.Single(c => c.Claimed) == claims[0] ? "A" : "B", stored.Holder);
    }

    [Fact]
    public async Task Renewed_lease_stays_held_past_its_first_duration()
    {
        var (table, lease, key) = await NewRowAsync();
        Assert.True((await lease.ClaimAsync(await ReadAsync(table, key), "A", Claimable, null, CancellationToken.None)).Claimed);

        _clock.Advance(Duration * 0.8);
        var renewed = await lease.RenewAsync(key, "row", "A", r => r.Renewals++, CancellationToken.None);
        _clock.Advance(Duration * 0.8); // 1.6 durations after the claim, 0.8 after the renewal

        var other = await lease.ClaimAsync(await ReadAsync(table, key), "B", Claimable, null, CancellationToken.None);
        Assert.Equal(LeaseClaimOutcome.HeldElsewhere, other.Outcome);
        Assert.Equal(renewed.HeldSince + Duration, other.HeldUntil);
        var stored = await ReadAsync(table, key);
        Assert.Equal(("A", 1), (stored.Holder, stored.Renewals));
    }

    [Fact]
    public async Task Lapsed_lease_of_a_holder_that_died_is_taken_over_and_the_old_holder_is_refused()
    {
        var (table, lease, key) = await NewRowAsync();
        var first = await lease.ClaimAsync(await ReadAsync(table, key), "A", Claimable, null, CancellationToken.None);
        Assert.True(first.Claimed);

        _clock.Advance(Duration - TimeSpan.FromSeconds(1));
        Assert.Equal(LeaseClaimOutcome.HeldElsewhere, (await lease.ClaimAsync(await ReadAsync(table, key), "B", Claimable, null, CancellationToken.None)).Outcome);
        _clock.Advance(TimeSpan.FromSeconds(2));
        var takeover = await lease.ClaimAsync(await ReadAsync(table, key), "B", Claimable, null, CancellationToken.None);

        Assert.True(takeover.Claimed);
        Assert.True(takeover.TookOver);
        Assert.Equal("B", (await ReadAsync(table, key)).Holder);
        var lost = await Assert.ThrowsAsync<LeaseLostException>(() => lease.RenewAsync(key, "row", "A", null, CancellationToken.None));
        Assert.Contains("held by B", lost.Message);
        Assert.Equal(LeaseFinish.Lost, await lease.FinishAsync(first.Row!, "A", IsDone, Finish("by A"), CancellationToken.None));
        Assert.Null((await ReadAsync(table, key)).Result);
    }

    [Fact]
    public async Task Finish_is_written_once_a_retry_by_the_same_holder_is_idempotent_and_a_second_finisher_is_refused()
    {
        var (table, lease, key) = await NewRowAsync();
        var claimA = await lease.ClaimAsync(await ReadAsync(table, key), "A", Claimable, null, CancellationToken.None);
        var staleA = await ReadAsync(table, key); // as held by A, before its finish
        var staleB = await ReadAsync(table, key);

        Assert.Equal(LeaseFinish.Written, await lease.FinishAsync(claimA.Row!, "A", IsDone, Finish("by A"), CancellationToken.None));
        // A try whose reply was lost comes again with the row as it had it: the finish stands, nothing is written again.
        Assert.Equal(LeaseFinish.WrittenBefore, await lease.FinishAsync(staleA, "A", IsDone, Finish("by A, again"), CancellationToken.None));
        Assert.Equal(LeaseFinish.FinishedByOther, await lease.FinishAsync(staleB, "B", IsDone, Finish("by B"), CancellationToken.None));
        Assert.Equal(LeaseClaimOutcome.NotClaimable, (await lease.ClaimAsync(await ReadAsync(table, key), "C", Claimable, null, CancellationToken.None)).Outcome);

        var stored = await ReadAsync(table, key);
        Assert.Equal((LeaseTestRow.Done, "by A", "A"), (stored.State, stored.Result, stored.Holder));
        Assert.Equal(LeaseStanding.FinishedByHolder, lease.Standing(stored, "A", IsDone));
        Assert.Equal(LeaseStanding.FinishedByOther, lease.Standing(stored, "B", IsDone));
    }

    [Fact]
    public async Task Released_lease_is_claimed_by_the_next_claimant_at_once()
    {
        var (table, lease, key) = await NewRowAsync();
        var claimA = await lease.ClaimAsync(await ReadAsync(table, key), "A", Claimable, null, CancellationToken.None);

        Assert.False(await lease.ReleaseAsync(claimA.Row!, "B")); // not B's to release
        Assert.True(await lease.ReleaseAsync(claimA.Row!, "A", r => r.State = LeaseTestRow.Waiting));
        var claimB = await lease.ClaimAsync(await ReadAsync(table, key), "B", Claimable, null, CancellationToken.None);

        Assert.True(claimB.Claimed);
        Assert.Equal("B", (await ReadAsync(table, key)).Holder);
        await Assert.ThrowsAsync<LeaseLostException>(() => lease.RenewAsync(key, "row", "A", null, CancellationToken.None));
    }

    [Fact]
    public async Task Same_holder_claims_again_at_once_while_its_own_lease_is_live()
    {
        var (table, lease, key) = await NewRowAsync();
        Assert.True((await lease.ClaimAsync(await ReadAsync(table, key), "message-1", Claimable, null, CancellationToken.None)).Claimed);
        _clock.Advance(TimeSpan.FromSeconds(10));

        var again = await lease.ClaimAsync(await ReadAsync(table, key), "message-1", Claimable, r => r.Renewals++, CancellationToken.None);

        Assert.True(again.Claimed);
        Assert.False(again.TookOver);
        Assert.Equal(_clock.GetUtcNow(), (await ReadAsync(table, key)).HeldSince);
    }

    [Fact]
    public async Task Row_that_is_not_claimable_in_its_state_is_left_alone()
    {
        var (table, lease, key) = await NewRowAsync();
        var row = await ReadAsync(table, key);

        var claim = await lease.ClaimAsync(row, "A", _ => false, null, CancellationToken.None);

        Assert.Equal(LeaseClaimOutcome.NotClaimable, claim.Outcome);
        Assert.Equal(row.ETag, (await ReadAsync(table, key)).ETag);
    }

    private static bool Claimable(LeaseTestRow row) => row.State is LeaseTestRow.Waiting or LeaseTestRow.Working;

    private static bool IsDone(LeaseTestRow row) => row.State == LeaseTestRow.Done;

    private static Action<LeaseTestRow> Finish(string result) => r =>
    {
        r.State = LeaseTestRow.Done;
        r.Result = result;
    };

    private async Task<(TableClient Table, TableLease<LeaseTestRow> Lease, string Key)> NewRowAsync()
    {
        var table = new TableServiceClient(azurite.ConnectionString).GetTableClient("leasetests");
        await table.CreateIfNotExistsAsync();
        var key = Guid.NewGuid().ToString("N");
        await table.AddEntityAsync(new LeaseTestRow { PartitionKey = key });
        return (table, new TableLease<LeaseTestRow>(table, LeaseTestRow.Lease, Duration, _clock, NullLogger.Instance), key);
    }

    private static async Task<LeaseTestRow> ReadAsync(TableClient table, string key) =>
        (await table.GetEntityAsync<LeaseTestRow>(key, "row")).Value;
}
