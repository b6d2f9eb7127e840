using LvmCloud.Vision.Training;
using static LvmCloud.Vision.Tests.Training.TinyLm;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Training;

[Collection(TorchRngCollection.Name)]
public sealed class OuterStepTests
{
    [Fact]
    public void One_shard_with_lr_1_and_no_momentum_makes_the_next_base_that_shard_s_weights_exactly()
    {
        using var baseModel = NewModel(1);
        using var shard = NewModel(2);
        var expected = Snapshot(shard);
        using var step = new OuterStep();
        step.Add(shard);
        var momentum = step.Apply(baseModel, null, new OuterStepSettings(LearningRate: 1, Momentum: 0));
        Assert.Equal(expected, Snapshot(baseModel));
        Assert.Equal(OuterStep.Parameters(baseModel).Select(p => p.Name).Order(), momentum.Keys.Order());
        foreach (var t in momentum.Values) t.Dispose();
    }

    [Fact]
    public void Nesterov_momentum_on_the_averaged_delta_follows_the_formula_and_carries_its_momentum()
    {
        using var baseModel = NewModel(1);
        using var a = NewModel(2);
        using var b = NewModel(3);
        var (theta, wa, wb) = (Snapshot(baseModel), Snapshot(a), Snapshot(b));
        var name = OuterStep.Parameters(baseModel)[0].Name;
        var previous = new Dictionary<string, Tensor> { [name] = full(OuterStep.Parameters(baseModel)[0].Parameter.shape, 0.5f) };
        using var step = new OuterStep();
        step.Add(a);
        step.Add(b);
        var momentum = step.Apply(baseModel, previous, new OuterStepSettings(0.7, 0.9, Nesterov: true));

        var after = Snapshot(baseModel);
        var v = momentum[name].data<float>().ToArray();
        for (var i = 0; i < 5; i++)
        {
            double delta = theta[name][i] - (wa[name][i] + (double)wb[name][i]) / 2;
            double vi = 0.9 * 0.5 + delta;
            Assert.Equal(vi, v[i], 5);
            Assert.Equal(theta[name][i] - 0.7 * (delta + 0.9 * vi), after[name][i], 5);
        }
        // A parameter without previous momentum starts from zero: v = Δ.
        var other = OuterStep.Parameters(baseModel)[1].Name;
        double delta0 = theta[other][0] - (wa[other][0] + (double)wb[other][0]) / 2;
        Assert.Equal(delta0, momentum[other].data<float>()[0], 5);
        foreach (var t in momentum.Values.Concat(previous.Values)) t.Dispose();
    }
}
