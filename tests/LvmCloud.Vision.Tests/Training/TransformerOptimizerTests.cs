using LvmCloud.Vision.Training;
using static LvmCloud.Vision.Tests.Training.TinyLm;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Training;

[Collection(TorchRngCollection.Name)]
public sealed class TransformerOptimizerTests
{
    [Fact]
    public void Only_the_weights_of_linear_layers_decay()
    {
        using var model = NewModel(3);
        var (decay, noDecay) = TransformerOptimizer.SplitForWeightDecay(model);
        Assert.Equal(2 * 7 + 1, decay.Count); // 4 attention + 3 MLP projections per layer, and the head
        Assert.All(decay, p => Assert.Matches(@"(_proj|^lm_head)\.weight$", p.Name));
        Assert.Contains(noDecay, p => p.Name == "model.embed_tokens.weight");
        Assert.Contains(noDecay, p => p.Name == "model.norm.weight");
        Assert.Contains(noDecay, p => p.Name == "model.layers.1.post_attention_layernorm.weight");
        Assert.Equal(model.parameters().Count(), decay.Count + noDecay.Count);

        // One step on zero gradients: Adam's update is then 0, so a parameter moves only by its decay.
        var options = Options with { PeakLr = 0.1, WeightDecay = 0.5 };
        using var optimizer = TransformerOptimizer.Create(model, options);
        var before = Snapshot(model);
        using (var scope = NewDisposeScope())
        {
            var ids = Data(2, 1).Batch([0, 1]);
            (TransformerInnerLoop.NextTokenLoss(model, ids) * 0).backward();
        }
        optimizer.step();
        var after = Snapshot(model);
        foreach (var (name, _) in decay)
            for (int i = 0; i < before[name].Length; i++)
                Assert.Equal(before[name][i] * (1 - 0.1 * 0.5), after[name][i], 1e-6);
        foreach (var (name, _) in noDecay)
            Assert.Equal(before[name], after[name]);
    }
}
