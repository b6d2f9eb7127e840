using LvmCloud.Platform.State;
using LvmCloud.Platform.State.Lifecycles;
using LvmCloud.Platform.Training;

namespace LvmCloud.Platform.Tests.State.Lifecycles;

/// <summary>The three job kinds' lifecycle tables: every listed change is accepted, every other one refused, naming from and to.</summary>
public sealed class LifecycleTableTests
{
    public static TheoryData<string, string, string> Allowed()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var lifecycle in All)
            foreach (var t in lifecycle.Transitions)
                data.Add(lifecycle.Kind, t.From, t.To);
        return data;
    }

    public static TheoryData<string, string, string> Illegal() => new()
    {
        { "batch", BatchStates.Finished, BatchStates.Cancelled },
        { "batch", BatchStates.Cancelled, BatchStates.Queued },
        { "batch", BatchStates.Queued, BatchStates.Finished },
        { "batch", BatchStates.Running, BatchStates.Queued },
        { "batch", BatchStates.AwaitingUpload, BatchStates.Running },
        { "tokenize run", TokenizeStates.Finished, TokenizeStates.Queued },
        { "tokenize run", TokenizeStates.Queued, TokenizeStates.Finished },
        { "tokenize run", TokenizeStates.Finalizing, TokenizeStates.Queued },
        { "training run", RunStates.Finished, RunStates.Cancelled },
        { "training run", RunStates.Finished, RunStates.Running },
        { "training run", RunStates.Cancelled, RunStates.Failed },
    };

    [Theory]
    [MemberData(nameof(Allowed))]
    public void Every_listed_transition_is_accepted(string kind, string from, string to)
    {
        var lifecycle = Of(kind);
        Assert.True(lifecycle.Allows(from, to));
        lifecycle.Check(from, to, "x");
        Assert.Contains(to, lifecycle.NextStates(from));
    }

    [Theory]
    [MemberData(nameof(Illegal))]
    public void Unlisted_transition_is_refused_naming_from_and_to(string kind, string from, string to)
    {
        var lifecycle = Of(kind);

        var refused = Assert.Throws<IllegalTransitionException>(() => lifecycle.Check(from, to, "b1"));

        Assert.False(lifecycle.Allows(from, to));
        Assert.IsAssignableFrom<InvalidOperationException>(refused);
        Assert.Equal((from, to), (refused.From, refused.To));
        Assert.Contains($"'{from}' to '{to}'", refused.Message);
        Assert.Contains($"{kind} b1", refused.Message);
    }

    [Fact]
    public void Every_state_of_every_kind_is_in_its_table_and_every_transition_names_its_actor()
    {
        foreach (var lifecycle in All)
        {
            Assert.All(lifecycle.Transitions, t =>
            {
                Assert.Contains(t.From, lifecycle.States);
                Assert.Contains(t.To, lifecycle.States);
                Assert.Contains(":", t.Actor);
            });
            Assert.All(lifecycle.States.Skip(1), s => Assert.Contains(lifecycle.Transitions, t => t.To == s));
        }
    }

    [Fact]
    public void Move_changes_the_row_only_when_allowed()
    {
        var batch = BatchEntity.New("b1", DateTimeOffset.UnixEpoch);
        batch.State = BatchStates.Finished;

        Assert.Throws<IllegalTransitionException>(() => BatchLifecycle.Move(batch, BatchStates.Cancelled));
        Assert.Equal(BatchStates.Finished, batch.State);
        batch.State = BatchStates.Queued;
        BatchLifecycle.Move(batch, BatchStates.Running);
        Assert.Equal(BatchStates.Running, batch.State);
    }

    private static Lifecycle[] All => [BatchLifecycle.Table, TokenizeRunLifecycle.Table, TrainingRunLifecycle.Table];

    private static Lifecycle Of(string kind) => All.Single(l => l.Kind == kind);
}
