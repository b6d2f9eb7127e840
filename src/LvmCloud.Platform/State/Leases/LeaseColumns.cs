using LvmCloud.Platform.State.Lifecycles;

namespace LvmCloud.Platform.State.Leases;

/// <summary>
/// Where a lease lives on a row: the state the row is in while it is held (<see cref="HeldState"/>), the column naming
/// the holder and the column with the time it was claimed or last renewed. The lease is live while the row is in
/// <see cref="HeldState"/> and that time plus the lease's duration is still ahead; the columns keep their own names in
/// storage, so one row type can carry more than one lease (a batch's planning and its finalization).
/// </summary>
/// <param name="Name">What the lease is for, in logs and errors (<c>finalization</c>, <c>merge</c>).</param>
/// <param name="Lifecycle">The row's lifecycle, when its states have one: a claim's move into the held state is checked against it.</param>
public sealed record LeaseColumns<T>(
    string Name,
    string HeldState,
    Func<T, string?> Holder,
    Action<T, string?> SetHolder,
    Func<T, DateTimeOffset?> Since,
    Action<T, DateTimeOffset?> SetSince,
    Lifecycle? Lifecycle = null)
    where T : class, IStatefulEntity;
