using LvmCloud.Core.Sentences;

namespace LvmCloud.Core.Tests.Sentences;

public sealed class DeterministicRandomTests
{
    [Fact]
    public void Matches_the_published_splitmix64_sequence()
    {
        var random = new DeterministicRandom(0);

        Assert.Equal(0xE220A8397B1DCDAFUL, random.NextUInt64());
        Assert.Equal(0x6E789E6AA1B965F4UL, random.NextUInt64());
    }

    [Fact]
    public void Sample_draws_distinct_indices_in_range()
    {
        int[] drawn = new DeterministicRandom(5).Sample(10, 10);

        Assert.Equal(Enumerable.Range(0, 10), drawn.Order());
    }

    [Fact]
    public void Next_stays_in_range()
    {
        var random = new DeterministicRandom(3);

        Assert.All(Enumerable.Range(0, 1000).Select(_ => random.Next(-2, 3)), v => Assert.InRange(v, -2, 2));
        Assert.All(Enumerable.Range(0, 1000).Select(_ => random.NextSingle()), v => Assert.InRange(v, 0f, 0.9999999f));
    }
}
