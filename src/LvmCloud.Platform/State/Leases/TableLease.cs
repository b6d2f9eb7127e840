using Azure.Data.Tables;
using Microsoft.Extensions.Logging;

namespace LvmCloud.Platform.State.Leases;

/// <summary>
/// A lease on one Table Storage row, kept with the row's ETag: claim it (one of any number of racing claimants wins),
/// renew it while working, release it when giving up (the next claimant takes over at once), finish it once (the
/// finish is written only while the lease is still the holder's, and is stamped with the holder so a retry knows its
/// own). A holder that dies simply stops renewing: its lease lapses after <see cref="Duration"/> and the next claimant
/// takes it over. Every write is conditional on the ETag read; a lost race is read again, up to
/// <see cref="MaxConflicts"/> times. All time comes from the injected <see cref="TimeProvider"/>.
/// </summary>
public sealed class TableLease<T>(TableClient table, LeaseColumns<T> columns, TimeSpan duration, TimeProvider time, ILogger logger)
    where T : class, IStatefulEntity
{
    /// <summary>Lost races a call rides out (reading the row again each time) before it gives up.</summary>
    public const int MaxConflicts = 50;
    private static readonly TimeSpan ReleaseTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How long a claim or renewal holds without another renewal.</summary>
    public TimeSpan Duration => duration;

    /// <summary>A fresh holder id for one claimant.</summary>
    public static string NewHolder() => Guid.NewGuid().ToString("N");

    /// <summary>Until when another holder than <paramref name="holder"/> has a live lease on the row; null when nobody else does.</summary>
    public DateTimeOffset? HeldElsewhereUntil(T row, string? holder)
    {
        if (row.State != columns.HeldState || columns.Since(row) is not { } since || (holder is not null && columns.Holder(row) == holder))
            return null;
        var until = since + duration;
        return until > time.GetUtcNow() ? until : null;
    }

    /// <summary>
    /// Claims the row for <paramref name="holder"/>: taken when nobody else's lease is live and <paramref name="claimable"/>
    /// says the row may be claimed in its current state (also asked of a row whose lease lapsed or was released). The
    /// row moves into the held state, with <paramref name="onClaim"/> applied first (it sees the row as it was). The
    /// first try uses <paramref name="row"/> as read by the caller; a lost race reads the row again.
    /// </summary>
    public async Task<LeaseClaim<T>> ClaimAsync(T row, string holder, Func<T, bool> claimable, Action<T>? onClaim, CancellationToken cancellationToken)
    {
        T? current = row;
        for (var attempt = 0; attempt < MaxConflicts; attempt++)
        {
            if (attempt > 0)
                current = await ReadAsync(row, cancellationToken);
            if (current is null)
                return new LeaseClaim<T>(LeaseClaimOutcome.Missing, null);
            if (HeldElsewhereUntil(current, holder) is { } until)
                return new LeaseClaim<T>(LeaseClaimOutcome.HeldElsewhere, current, until);
            if (!claimable(current))
                return new LeaseClaim<T>(LeaseClaimOutcome.NotClaimable, current);
            var tookOver = current.State == columns.HeldState && columns.Holder(current) != holder;
            onClaim?.Invoke(current);
            if (columns.Lifecycle is { } lifecycle)
                lifecycle.Move(current, columns.HeldState);
            else
                current.State = columns.HeldState;
            columns.SetHolder(current, holder);
            columns.SetSince(current, time.GetUtcNow());
            if (await table.TryReplaceAsync(current, cancellationToken))
            {
                if (tookOver)
                    logger.LogWarning("{Row}: took over the lapsed or released {Lease} lease", Describe(current), columns.Name);
                return new LeaseClaim<T>(LeaseClaimOutcome.Claimed, current, null, tookOver);
            }
        }
        return new LeaseClaim<T>(LeaseClaimOutcome.Contended, current);
    }

    /// <summary>
    /// Renews <paramref name="holder"/>'s lease on the row (reading it fresh), applying <paramref name="change"/> in the
    /// same write. Throws <see cref="LeaseLostException"/> when the row is no longer held by <paramref name="holder"/>.
    /// </summary>
    public Task<T> RenewAsync(string partitionKey, string rowKey, string holder, Action<T>? change, CancellationToken cancellationToken) =>
        WriteHeldAsync(partitionKey, rowKey, holder, row =>
        {
            change?.Invoke(row);
            columns.SetSince(row, time.GetUtcNow());
        }, cancellationToken);

    /// <summary>
    /// Gives <paramref name="holder"/>'s lease back so the next claimant takes over at once, applying
    /// <paramref name="onRelease"/> (e.g. a state to fall back to). Best effort, under its own timeout: false (and a
    /// warning) when it could not be written, and the lease then lapses by itself; false too when it was not held.
    /// </summary>
    public async Task<bool> ReleaseAsync(T row, string holder, Action<T>? onRelease = null)
    {
        try
        {
            using var timeout = new CancellationTokenSource(ReleaseTimeout);
            for (var attempt = 0; attempt < MaxConflicts; attempt++)
            {
                var current = await ReadAsync(row, timeout.Token);
                if (current is null || Standing(current, holder, _ => false) != LeaseStanding.Held)
                    return false;
                columns.SetHolder(current, null);
                columns.SetSince(current, null);
                onRelease?.Invoke(current);
                if (await table.TryReplaceAsync(current, timeout.Token))
                    return true;
            }
            throw new ConcurrencyConflictException($"{Describe(row)} kept changing while its {columns.Name} lease was released.");
        }
        catch (Exception e)
        {
            logger.LogWarning("{Row}: the {Lease} lease could not be released ({Error}); it lapses after {Duration}", Describe(row), columns.Name, e.Message, duration);
            return false;
        }
    }

    /// <summary>
    /// Finishes the row once: applies <paramref name="finish"/> (which moves it out of the held state) and writes it
    /// while it is still <paramref name="holder"/>'s. The first try writes <paramref name="row"/> as the holder last
    /// wrote it (its ETag); when the row changed meanwhile it is read again: finished already by the same holder is
    /// <see cref="LeaseFinish.WrittenBefore"/>, by another <see cref="LeaseFinish.FinishedByOther"/>, taken over
    /// <see cref="LeaseFinish.Lost"/>, still held gets the finish again. The holder column stays on the finished row.
    /// </summary>
    public async Task<LeaseFinish> FinishAsync(T row, string holder, Func<T, bool> finished, Action<T> finish, CancellationToken cancellationToken)
    {
        T? current = row;
        for (var attempt = 0; attempt < MaxConflicts; attempt++)
        {
            if (attempt > 0)
            {
                current = await ReadAsync(row, cancellationToken)
                    ?? throw new InvalidOperationException($"{Describe(row)} disappeared while its {columns.Name} lease was finished.");
                switch (Standing(current, holder, finished))
                {
                    case LeaseStanding.FinishedByHolder: return LeaseFinish.WrittenBefore;
                    case LeaseStanding.FinishedByOther: return LeaseFinish.FinishedByOther;
                    case LeaseStanding.Lost: return LeaseFinish.Lost;
                }
            }
            finish(current);
            columns.SetHolder(current, holder);
            if (await table.TryReplaceAsync(current, cancellationToken))
            {
                if (!ReferenceEquals(current, row))
                    row.ETag = current.ETag;
                return LeaseFinish.Written;
            }
        }
        throw new ConcurrencyConflictException($"{Describe(row)} kept changing while its {columns.Name} lease was finished.");
    }

    /// <summary>Where <paramref name="holder"/> stands with the row: still holding it, finished (by whom), or lost.</summary>
    public LeaseStanding Standing(T row, string holder, Func<T, bool> finished) =>
        finished(row) ? (columns.Holder(row) == holder ? LeaseStanding.FinishedByHolder : LeaseStanding.FinishedByOther)
        : row.State == columns.HeldState && columns.Holder(row) == holder ? LeaseStanding.Held
        : LeaseStanding.Lost;

    private async Task<T> WriteHeldAsync(string partitionKey, string rowKey, string holder, Action<T> change, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxConflicts; attempt++)
        {
            var current = await table.GetIfExistsAsync<T>(partitionKey, rowKey, cancellationToken);
            if (current is null || Standing(current, holder, _ => false) != LeaseStanding.Held)
                throw new LeaseLostException(
                    $"{partitionKey}/{rowKey} is {current?.State ?? "gone"}, {columns.Name} lease held by {(current is null ? null : columns.Holder(current)) ?? "nobody"}; {holder} no longer holds it.");
            change(current);
            if (await table.TryReplaceAsync(current, cancellationToken))
                return current;
        }
        throw new ConcurrencyConflictException($"{partitionKey}/{rowKey} kept changing while its {columns.Name} lease was renewed.");
    }

    private Task<T?> ReadAsync(T row, CancellationToken cancellationToken) => table.GetIfExistsAsync<T>(row.PartitionKey, row.RowKey, cancellationToken);

    private static string Describe(T row) => $"{row.PartitionKey}/{row.RowKey}";
}
