using LvmCloud.Core.Datasets;
using LvmCloud.Core.Images;
using LvmCloud.Core.Tokens;
using LvmCloud.Vision.Evaluation;
using LvmCloud.Vision.Pipelines;
using LvmCloud.Vision.Tests.Pipelines;
using LvmCloud.Vision.Tests.Support;
using LvmCloud.Vision.Tests.Training;
using LvmCloud.Vision.Training;

namespace LvmCloud.Vision.Tests.Evaluation;

[Collection(TorchRngCollection.Name)]
public sealed class ModelEvaluatorTests : IDisposable
{
    private readonly LvmModel _model = TinyLvm.Create(contextFrames: 4);
    private readonly TestDataset _data = new();

    public void Dispose()
    {
        _model.Dispose();
        _data.Dispose();
    }

    [Fact]
    public async Task Scores_each_task_against_the_copy_baseline_and_the_ceiling_and_skips_sentences_with_bad_images()
    {
        var pairs = new[] { _data.Sentence(3, "pairs"), _data.Sentence(3, "pairs") };
        _data.Sentence(3, "pairs");                    // line 3: a broken image
        _data.Break("s002/2.png");
        var video = new[] { _data.Sentence(4, "sequence"), _data.Sentence(2, "sequence") };
        _data.Sentence(1);                             // one image: nothing to predict, but it counts for the tokenizer
        var dataset = await SentenceDataset.OpenAsync(_data.Store);
        var shard = TokenShard.FromSequences([[1, 1, 2, 3], [1, 5]]);
        var progress = new List<EvaluationProgress>();

        var result = await new ModelEvaluator(_model).EvaluateAsync(dataset, shard, progress.Add);

        Assert.Equal([("pairs", 2), ("sequence", 2)], result.Tasks.Select(t => (t.Task, t.Sentences)));
        Assert.Equal([new EvaluationProgress("pairs", 3), new EvaluationProgress("sequence", 2)], progress);
        Assert.Equal(("line-00003", ImageRejectReason.UnknownFormat), (Assert.Single(result.Skipped).SentenceId, result.Skipped[0].Reason));
        Assert.Equal("s002/2.png", Assert.Single(result.RejectedImages).Path);

        // The baselines, computed by hand from the same images.
        var unigram = UnigramBaseline.LogProbabilities(shard, _model.CodebookSize);
        foreach (var (task, sentences) in new[] { ("pairs", pairs), ("sequence", video) })
        {
            var score = result.Tasks.Single(t => t.Task == task);
            Assert.Equal(sentences.Average(s => Psnr.Of(s[^2], s[^1])), score.CopyPsnr, 9);
            var last = FrameCodec.Encode(_model.Tokenizer, sentences.Select(s => s[^1]).ToList());
            var ceiling = FrameCodec.Decode(_model.Tokenizer, last);
            Assert.Equal(sentences.Select((s, i) => Psnr.Of(ceiling[i], s[^1])).Average(), score.CeilingPsnr, 4);
            Assert.Equal(last.Average(codes => Math.Exp(-codes.Average(c => unigram[c]))), score.UnigramPerplexity!.Value, 4);
            Assert.True(double.IsFinite(score.ModelPsnr) && score.Perplexity > 1, score.ToString());
            Assert.Equal(score.ModelPsnr - score.CopyPsnr, score.GainDb);
        }

        // The tokenizer is measured on every readable distinct image, the one-image sentence's too.
        var good = dataset.DistinctImages().Where(p => p != "s002/2.png").ToList();
        var images = await dataset.LoadImagesAsync(good, 16);
        Assert.Equal(good.Count, result.TokenizerImages);
        Assert.Equal(TokenizerTrainer.Evaluate(_model.Tokenizer.Model, ImageSet.FromImages(images.Images), 512), result.Tokenizer);
    }

    [Fact]
    public async Task The_same_data_gives_the_same_result_and_a_skipped_sentence_leaves_the_others_scores_alone()
    {
        _data.Sentence(3, "pairs");
        _data.Sentence(3, "pairs");
        _data.Sentence(3, "sequence");
        var dataset = await SentenceDataset.OpenAsync(_data.Store);
        var evaluator = new ModelEvaluator(_model, new EvaluationOptions { Temperature = 1f });

        var first = await evaluator.EvaluateAsync(dataset);
        var again = await evaluator.EvaluateAsync(dataset);
        _data.Remove("s000/0.png");
        var skipped = await evaluator.EvaluateAsync(dataset);

        Assert.Equal(first.Tasks, again.Tasks);
        Assert.Null(first.Tasks[0].UnigramPerplexity);
        Assert.Equal(first.Tasks.Single(t => t.Task == "sequence"), skipped.Tasks.Single(t => t.Task == "sequence"));
        Assert.Equal(1, skipped.Tasks.Single(t => t.Task == "pairs").Sentences);
        Assert.Equal(ImageRejectReason.NotFound, Assert.Single(skipped.Skipped).Reason);
    }

    [Fact]
    public async Task A_dataset_without_a_sentence_of_two_images_is_refused()
    {
        _data.Sentence(1);
        var dataset = await SentenceDataset.OpenAsync(_data.Store);

        await Assert.ThrowsAsync<InvalidDataException>(() => new ModelEvaluator(_model).EvaluateAsync(dataset));
    }
}
