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

    [Fact]
    public void Drift_is_the_shards_rms_distance_from_their_mean_over_the_distance_the_mean_moved()
    {
        using var baseModel = NewModel(1);
        using var a = NewModel(2);
        using var b = NewModel(3);
        using var c = NewModel(4);
        var shards = new[] { Snapshot(a), Snapshot(b), Snapshot(c) };
        var theta = Snapshot(baseModel);
        double spread = 0, moved = 0;
        foreach (var (name, _) in OuterStep.Parameters(baseModel))
            for (var i = 0; i < theta[name].Length; i++)
            {
                var mean = shards.Average(s => (double)s[name][i]);
                spread += shards.Average(s => (s[name][i] - mean) * (s[name][i] - mean));
                moved += (theta[name][i] - mean) * (theta[name][i] - mean);
            }

        using var step = new OuterStep();
        Assert.Null(step.Drift);
        step.Add(a);
        step.Add(b);
        step.Add(c);
        foreach (var t in step.Apply(baseModel, null, new OuterStepSettings(0.7, 0.9, Nesterov: true)).Values) t.Dispose();

        Assert.NotNull(step.Drift);
        Assert.Equal(Math.Sqrt(spread) / Math.Sqrt(moved), step.Drift!.Value, 6);
        Assert.InRange(step.Drift.Value, 0.1, 10); // three independent draws: spread and step of one size
    }

    [Fact]
    public void One_shard_has_no_drift()
    {
        using var baseModel = NewModel(1);
        using var shard = NewModel(2);
        using var step = new OuterStep();
        step.Add(shard);
        foreach (var t in step.Apply(baseModel, null, new OuterStepSettings(0.7, 0.9, Nesterov: true)).Values) t.Dispose();
        Assert.Equal(0, step.Drift);
    }

    [Fact]
    public void A_shard_added_by_its_exact_outer_gradient_merges_as_its_weights_do()
    {
        using var baseModel = NewModel(1);
        using var copy = NewModel(1);
        using var shard = NewModel(2);
        var delta = ExactDelta(baseModel, shard);
        using var byWeights = new OuterStep();
        byWeights.Add(shard);
        using var byDelta = new OuterStep();
        byDelta.AddDelta(copy, delta);
        var settings = new OuterStepSettings(0.7, 0.9, Nesterov: true);
        var m1 = byWeights.Apply(baseModel, null, settings);
        var m2 = byDelta.Apply(copy, null, settings);
        var (a, b) = (Snapshot(baseModel), Snapshot(copy));
        foreach (var name in a.Keys)
            for (var i = 0; i < a[name].Length; i++)
                Assert.Equal(a[name][i], b[name][i], 6);
        foreach (var t in m1.Values.Concat(m2.Values).Concat(delta.Values)) t.Dispose();
    }

    [Fact]
    public void Shards_added_by_their_exact_outer_gradients_have_the_drift_their_weights_have()
    {
        using var baseModel = NewModel(1);
        using var copy = NewModel(1);
        using var a = NewModel(2);
        using var b = NewModel(3);
        using var byWeights = new OuterStep();
        using var byDelta = new OuterStep();
        var deltas = new List<Dictionary<string, Tensor>>();
        foreach (var shard in new[] { a, b })
        {
            byWeights.Add(shard);
            var delta = ExactDelta(copy, shard);
            byDelta.AddDelta(copy, delta);
            deltas.Add(delta);
        }
        var settings = new OuterStepSettings(0.7, 0.9, Nesterov: true);
        var m1 = byWeights.Apply(baseModel, null, settings);
        var m2 = byDelta.Apply(copy, null, settings);
        Assert.NotNull(byWeights.Drift);
        Assert.InRange(byWeights.Drift!.Value, 0.1, 10); // two independent draws: a spread of the step's size
        Assert.Equal(byWeights.Drift.Value, byDelta.Drift!.Value, 6);
        foreach (var t in m1.Values.Concat(m2.Values).Concat(deltas.SelectMany(d => d.Values))) t.Dispose();
    }

    [Theory]
    [InlineData(OuterGradientPrecision.Int8)]
    [InlineData(OuterGradientPrecision.Int4)]
    public void A_merge_of_compressed_outer_gradients_is_within_the_outer_step_times_the_codec_bound(OuterGradientPrecision precision)
    {
        using var baseModel = NewModel(1);
        using var exactBase = NewModel(1);
        using var a = NewModel(2);
        using var b = NewModel(3);
        var folder = Directory.CreateTempSubdirectory("lvm-outer-delta-");
        try
        {
            using var baseWeights = OuterGradient.Snapshot(baseModel);
            using var compressed = new OuterStep();
            var scales = new List<Dictionary<string, Tensor>>();
            foreach (var (shard, k) in new[] { (a, 0), (b, 1) })
            {
                var path = Path.Combine(folder.FullName, $"{k}.safetensors");
                OuterGradient.Save(path, baseWeights.Tensors, shard, precision);
                scales.Add(TorchSharp.PyBridge.Safetensors.LoadStateDict(path));
                var decoded = OuterGradientCodec.Load(path);
                compressed.AddDelta(baseModel, decoded);
                foreach (var t in decoded.Values) t.Dispose();
            }
            using var exact = new OuterStep();
            exact.Add(a);
            exact.Add(b);
            var settings = new OuterStepSettings(0.7, 0.9, Nesterov: true);
            var m1 = compressed.Apply(baseModel, null, settings);
            var m2 = exact.Apply(exactBase, null, settings);

            // First round: θ_next = θ_base − lr·(1 + μ)·mean_k δ̂_k, and |δ̂_k − δ_k| ≤ scale_k / 2 of its block.
            foreach (var (name, parameter) in OuterStep.Parameters(baseModel))
            {
                var maxScale = scales.Max(s => s[name + ".scale"].max().item<float>());
                var bound = settings.LearningRate * (1 + settings.Momentum) * maxScale / 2;
                var other = OuterStep.Parameters(exactBase).Single(p => p.Name == name).Parameter;
                var difference = (parameter - other).abs().max().item<float>();
                Assert.True(difference <= bound * 1.0001 + 1e-6, $"{name}: off by {difference}, more than {bound}");
            }
            foreach (var t in m1.Values.Concat(m2.Values).Concat(scales.SelectMany(s => s.Values))) t.Dispose();
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>δ = θ_base − θ_shard per trainable parameter, in float64: what a shard's outer gradient holds before encoding.</summary>
    private static Dictionary<string, Tensor> ExactDelta(nn.Module baseModel, nn.Module shard) =>
        OuterStep.Parameters(baseModel).ToDictionary(p => p.Name,
            p => p.Parameter.detach().to(ScalarType.Float64) - OuterStep.Parameters(shard).Single(s => s.Name == p.Name).Parameter.detach().to(ScalarType.Float64));
}
