using LvmCloud.Core.Manifests;

namespace LvmCloud.Core.Tests.Manifests;

public sealed class StableSeedTests
{
    [Fact]
    public void Derived_seed_is_pinned_across_runs_and_platforms()
    {
        // Pinned values: a change here changes every derived seed in every stored batch.
        Assert.Equal(PinnedItemSeed, StableSeed.Derive(0, "item-00001"));
        Assert.Equal(PinnedOtherBatchSeed, StableSeed.Derive(7, "item-00001"));
    }

    [Fact]
    public void Derived_seed_depends_on_batch_seed_and_key()
    {
        long a = StableSeed.Derive(0, "cat");
        Assert.NotEqual(a, StableSeed.Derive(1, "cat"));
        Assert.NotEqual(a, StableSeed.Derive(0, "cau"));
        Assert.True(a >= 0);
    }

    [Fact]
    public void Candidate_zero_uses_the_item_seed_and_others_differ()
    {
        Assert.Equal(42, StableSeed.ForCandidate(42, 0));
        long one = StableSeed.ForCandidate(42, 1);
        long two = StableSeed.ForCandidate(42, 2);
        Assert.NotEqual(42, one);
        Assert.NotEqual(one, two);
        Assert.Equal(one, StableSeed.ForCandidate(42, 1));
    }

    private const long PinnedItemSeed = 9060991541416675938; // computed independently from the documented recipe
    private const long PinnedOtherBatchSeed = 1753581090604145984;
}
