using LvmCloud.Core.Images;
using LvmCloud.Core.Manifests;
using LvmCloud.Vision.Devices;
using LvmCloud.Vision.Memory;
using LvmCloud.Vision.Pipelines;
using LvmCloud.Vision.Tests.Pipelines;
using LvmCloud.Vision.Tests.Training;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Memory;

/// <summary>Generation batches sized from the memory plan: split to the rows that fit, an item too big alone fails alone.</summary>
[Collection(TorchRngCollection.Name)]
public sealed class PlannedBatchesTests : IDisposable
{
    private readonly LvmModel _model = TinyLvm.Create(contextFrames: 4);

    public void Dispose() => _model.Dispose();

    /// <summary>The tiny model with a plan whose budget leaves room for exactly <paramref name="rows"/> rows of 3 frames.</summary>
    private LvmModel WithRoomFor(int rows)
    {
        int length = 3 * _model.TokensPerImage;
        var plan = new MemoryPlan(CPU, WeightDType.Float32, ScalarType.Float32, "test", new TransformerFootprint(_model.Transformer.Config, ScalarType.Float32),
            null, new MemoryBudget(0, "test"), length);
        long free = plan.FixedBytes + rows * plan.BytesPerRow(length) + plan.BytesPerRow(length) / 2;
        return new LvmModel(_model.Tokenizer, _model.Transformer, _model.Settings) { Plan = plan with { Budget = new MemoryBudget(free, "test budget") } };
    }

    private static CompletionInput Input(string id, int candidates, float shade) =>
        new(new BatchItem(id, 1, [$"{id}-0.png", $"{id}-1.png"], $"{id}.png", [],
                new GenerationRequest(1, candidates, new Sampling(1f, 1f, 0)), 7, new ImageSizing(ResizeMode.Stretch, ResizeOutputMode.Model)),
            [Frame(shade), Frame(shade + 0.1f)], []);

    private static LoadedImage Frame(float shade) =>
        new(RgbImage.Filled(16, 16, shade, 1 - shade, 0.5f), 16, 16, new ImageInfo(16, 16, 1, ImageFileFormat.Png));

    [Fact]
    public void Items_beyond_the_rows_that_fit_run_in_further_batches_with_the_same_frames()
    {
        var inputs = new[] { Input("a", 1, 0.1f), Input("b", 1, 0.3f), Input("c", 1, 0.5f) };
        var planned = WithRoomFor(2);
        Assert.Equal(2, planned.Plan!.MaxRows(3 * _model.TokensPerImage));

        var whole = new CompletionPipeline(_model).Run(inputs);
        var split = new CompletionPipeline(planned).Run(inputs);

        Assert.All(split, o => Assert.Null(o.Error));
        for (int i = 0; i < inputs.Length; i++)
            Assert.Equal(whole[i].Candidates[0][0].Data, split[i].Candidates[0][0].Data);
    }

    [Fact]
    public void An_item_whose_candidates_do_not_fit_fails_alone_with_its_code()
    {
        var inputs = new[] { Input("small", 2, 0.2f), Input("big", 3, 0.4f) };

        var outputs = new CompletionPipeline(WithRoomFor(2)).Run(inputs);

        Assert.Null(outputs[0].Error);
        Assert.Equal(2, outputs[0].Candidates.Count);
        Assert.Equal(MemoryPlan.ItemDoesNotFitCode, outputs[1].ErrorCode);
        Assert.StartsWith("The item's 3 candidates need 3 generation rows of 192 tokens", outputs[1].Error);
        Assert.Contains("only 2 fit", outputs[1].Error);
    }
}
