namespace LvmCloud.Vision.Evaluation;

/// <summary>One task (sentence kind): how well the model predicts the last frame of its sentences from the others.</summary>
/// <param name="Task">The sentence kind, or <c>sentence</c> for sentences without one.</param>
/// <param name="Sentences">Sentences scored.</param>
/// <param name="ModelPsnr">Mean PSNR (dB) of the generated last frame against the true one.</param>
/// <param name="CopyPsnr">Mean PSNR of the trivial baseline: the frame before the last, copied.</param>
/// <param name="CeilingPsnr">Mean PSNR of the true last frame's own reconstruction: what a perfect model could reach through this tokenizer.</param>
/// <param name="Perplexity">Mean perplexity of the last frame's codes given the other frames.</param>
/// <param name="UnigramPerplexity">Mean perplexity under the training shard's code frequencies, when a shard was given.</param>
public sealed record TaskScore(string Task, int Sentences, double ModelPsnr, double CopyPsnr, double CeilingPsnr, double Perplexity, double? UnigramPerplexity)
{
    /// <summary>How much the model beats copying the previous frame, in dB.</summary>
    public double GainDb => ModelPsnr - CopyPsnr;
}
