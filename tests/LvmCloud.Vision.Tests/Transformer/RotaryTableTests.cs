using LvmCloud.Vision.Transformer;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Transformer;

public sealed class RotaryTableTests
{
    [Fact]
    public void Looked_up_tables_equal_the_tables_computed_for_the_same_positions_bit_for_bit()
    {
        using var scope = NewDisposeScope();
        using var table = new RotaryTable(maxPositions: 4096, headDim: 64, theta: 10000);
        var positions = tensor(new long[] { 0, 1, 7, 4095, 2048, 3, 3, 1000 }, [2, 4]);

        var (cos, sin) = table.Lookup(positions, ScalarType.Float32);
        var (expectedCos, expectedSin) = RotaryEmbedding.Tables(positions, 64, 10000, ScalarType.Float32);

        Assert.Equal(expectedCos.shape, cos.shape);
        Assert.True(cos.eq(expectedCos).all().item<bool>(), "cos differs from the computed table");
        Assert.True(sin.eq(expectedSin).all().item<bool>(), "sin differs from the computed table");
    }

    [Fact]
    public void The_tables_are_computed_once_for_many_lookups_and_again_only_for_another_dtype()
    {
        using var scope = NewDisposeScope();
        using var table = new RotaryTable(maxPositions: 64, headDim: 8, theta: 10000);
        for (int step = 0; step < 5; step++)
            table.Lookup(tensor(new long[] { step }, [1, 1]), ScalarType.Float32);
        Assert.Equal(1, table.Builds);

        table.Lookup(tensor(new long[] { 0 }, [1, 1]), ScalarType.Float64);
        Assert.Equal(2, table.Builds);
    }

    [Fact]
    public void A_table_follows_the_dtype_it_is_asked_for()
    {
        using var scope = NewDisposeScope();
        using var table = new RotaryTable(maxPositions: 16, headDim: 8, theta: 500000);
        var positions = arange(16, dtype: ScalarType.Int64).unsqueeze(0);

        var (cos32, _) = table.Lookup(positions, ScalarType.Float32);
        var (cos64, _) = table.Lookup(positions, ScalarType.Float64);
        var (expected, _) = RotaryEmbedding.Tables(positions, 8, 500000, ScalarType.Float64);

        Assert.Equal(ScalarType.Float32, cos32.dtype);
        Assert.Equal(ScalarType.Float64, cos64.dtype);
        Assert.True(cos64.eq(expected).all().item<bool>());
    }
}
