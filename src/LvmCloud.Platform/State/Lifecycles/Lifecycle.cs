namespace LvmCloud.Platform.State.Lifecycles;

/// <summary>
/// The states of one job kind and the changes allowed between them (a table: from, to, who moves it). Every change of
/// that kind's state goes through <see cref="Move"/>, which refuses one that is not in the table with an
/// <see cref="IllegalTransitionException"/> naming from and to. Staying in a state is not a change and always allowed.
/// </summary>
public sealed class Lifecycle(string kind, IReadOnlyList<string> states, IReadOnlyList<LifecycleTransition> transitions)
{
    /// <summary>What the lifecycle is of (<c>batch</c>, <c>tokenize run</c>, <c>training run</c>), in messages.</summary>
    public string Kind => kind;

    /// <summary>Every state, in the order of a typical life.</summary>
    public IReadOnlyList<string> States => states;

    /// <summary>Every allowed change, with who makes it.</summary>
    public IReadOnlyList<LifecycleTransition> Transitions => transitions;

    public bool Allows(string from, string to) => from == to || transitions.Any(t => t.From == from && t.To == to);

    /// <summary>The states <paramref name="from"/> may move to.</summary>
    public IReadOnlyList<string> NextStates(string from) => transitions.Where(t => t.From == from).Select(t => t.To).ToList();

    /// <summary>Throws <see cref="IllegalTransitionException"/> unless <paramref name="from"/> → <paramref name="to"/> is allowed.</summary>
    public void Check(string from, string to, string subject)
    {
        if (!Allows(from, to))
            throw new IllegalTransitionException(kind, subject, from, to, NextStates(from));
    }

    /// <summary>Moves <paramref name="row"/> to <paramref name="to"/> if the change is allowed; throws otherwise.</summary>
    public void Move(IStatefulEntity row, string to)
    {
        Check(row.State, to, $"{row.PartitionKey}/{row.RowKey}");
        row.State = to;
    }
}
