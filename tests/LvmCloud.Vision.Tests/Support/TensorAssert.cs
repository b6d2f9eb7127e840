using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Support;

public static class TensorAssert
{
    /// <summary>Asserts equal shapes and a maximum absolute difference of at most <paramref name="tolerance"/>.</summary>
    public static void Close(Tensor expected, Tensor actual, double tolerance, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        using var diff = (expected.to(float32) - actual.to(float32)).abs().max();
        var maxDiff = diff.item<float>();
        Assert.True(maxDiff <= tolerance, $"{what}: max abs diff {maxDiff:G3} exceeds {tolerance:G3}");
    }
}
