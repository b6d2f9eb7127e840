using LvmCloud.Vision.Training;

namespace LvmCloud.Vision.Tests.Training;

public sealed class DataOrderTests
{
    /// <summary>
    /// The order is part of a run's reproducibility contract: a run resumed in a new process (or by another version)
    /// must draw the same batches. These indices were computed by the algorithm (StableSeed + SplitMix64
    /// Fisher-Yates) and must never change.
    /// </summary>
    [Fact]
    public void First_indices_for_a_known_seed_and_count_are_pinned()
    {
        var order = new DataOrder(10, 42);
        Assert.Equal([6, 0, 5, 9, 8, 2, 4, 3, 1, 7], Enumerable.Range(0, 10).Select(i => order[i]));
        Assert.Equal([8, 1, 0, 6, 5, 7, 4, 3, 9, 2], Enumerable.Range(10, 10).Select(i => order[i]));
        Assert.Equal([864, 159, 925, 93, 458, 30, 828, 615], new DataOrder(1000, 7).Batch(0, 0, 1, 8));
        Assert.Equal([1, 8, 9, 2, 6, 4, 0, 7, 3, 5], new DataOrder(10, -3).Permutation(0));
    }

    [Fact]
    public void Batches_are_a_function_of_the_step_and_every_epoch_is_a_permutation()
    {
        var order = new DataOrder(37, 5);
        // Step 9's second micro-batch, computed cold, equals the same samples read in sequence.
        var cold = new DataOrder(37, 5).Batch(9, 1, 2, 4);
        var sequential = Enumerable.Range(0, 4).Select(i => order[(9 * 2 + 1) * 4 + i]).ToArray();
        Assert.Equal(sequential, cold);
        for (int epoch = 0; epoch < 3; epoch++)
            Assert.Equal(Enumerable.Range(0, 37), order.Permutation(epoch).Order());
        Assert.NotEqual(order.Permutation(0), order.Permutation(1));
        Assert.NotEqual(order.Permutation(0), new DataOrder(37, 6).Permutation(0));
    }
}
