using LvmCloud.Vision.Generation;
using LvmCloud.Vision.Tests.Support;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Generation;

public class PerplexityTests
{
    [Theory]
    [InlineData(LlamaFixture.Mha, 1)]
    [InlineData(LlamaFixture.Gqa, 10)]
    public void Perplexity_equals_the_manual_computation_from_full_logits(string fixtureName, int targetStart)
    {
        var fixture = new LlamaFixture(fixtureName);
        using var model = fixture.LoadModel();
        using var ids = fixture.Tensor("input_ids");
        using var logits = fixture.Tensor("logits");
        int batch = (int)ids.shape[0], length = (int)ids.shape[1];
        var expected = new double[batch];
        using (var logProbs = logits.to(ScalarType.Float64).log_softmax(-1))
            for (int b = 0; b < batch; b++)
            {
                double nll = 0;
                for (int j = targetStart; j < length; j++)
                    nll -= logProbs[b, j - 1, ids[b, j].item<long>()].item<double>();
                expected[b] = Math.Exp(nll / (length - targetStart));
            }

        using var actual = Perplexity.Compute(model, ids, targetStart);

        var values = actual.data<double>().ToArray();
        for (int b = 0; b < batch; b++)
            Assert.Equal(expected[b], values[b], expected[b] * 1e-4);
    }

    [Fact]
    public void Rows_of_different_lengths_score_as_they_do_alone()
    {
        var fixture = new LlamaFixture(LlamaFixture.Gqa);
        using var model = fixture.LoadModel();
        using var ids = fixture.Tensor("input_ids");
        long[] a, b;
        using (var row0 = ids[0]) a = row0.data<long>().ToArray();
        using (var row1 = ids[1]) b = row1.data<long>().ToArray()[..15];

        var together = Perplexity.Compute(model, [a, b], 6);
        var aAlone = Perplexity.Compute(model, [a], 6);
        var bAlone = Perplexity.Compute(model, [b], 6);

        Assert.Equal(aAlone[0], together[0], aAlone[0] * 1e-5);
        Assert.Equal(bAlone[0], together[1], bAlone[0] * 1e-5);
        Assert.NotEqual(together[0], together[1], 1e-3);
    }

    [Fact]
    public void Rejects_rows_without_targets()
    {
        var fixture = new LlamaFixture(LlamaFixture.Mha);
        using var model = fixture.LoadModel();
        var noContext = Assert.Throws<ArgumentOutOfRangeException>(() => Perplexity.Compute(model, [[1L, 2, 3]], 0));
        Assert.Contains("targetStart", noContext.Message);
        var tooShort = Assert.Throws<ArgumentException>(() => Perplexity.Compute(model, [[1L, 2, 3], [1L, 2]], 2));
        Assert.Contains("Row 1 has 2 tokens", tooShort.Message);
    }
}
