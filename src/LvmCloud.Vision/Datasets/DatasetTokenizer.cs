using LvmCloud.Core.Datasets;
using LvmCloud.Core.Sentences;
using LvmCloud.Core.Storage;
using LvmCloud.Core.Tokens;
using LvmCloud.Vision.Pipelines;
using LvmCloud.Vision.Tokenizer;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Datasets;

/// <summary>
/// Turns visual sentences into one token shard: each sentence's images, encoded by the VQGAN, become one row of
/// codes (frames back to back), written in LVM's JSONL format plus the binary twin (<see cref="TokenShardFiles"/>).
/// It is what <c>lvm tokenize-dataset</c> runs on a folder and what a <c>tokenize</c> job runs on a chunk of a
/// dataset in blob storage. Each sentence's images are read once and encoded once, so the work grows linearly with
/// the sentences; the next batch's images are read while the current one is encoded. Sentences with a bad image are
/// skipped with their reason. The same sentences and tokenizer give the same bytes every time (encoding runs
/// without autograd in a fixed order), so a redelivered job rewrites identical files.
/// </summary>
public sealed class DatasetTokenizer(VqganTokenizer tokenizer, DatasetTokenizerOptions? options = null)
{
    private readonly DatasetTokenizerOptions _options = options ?? DatasetTokenizerOptions.Default;

    /// <summary>
    /// Tokenizes chunk <see cref="SentenceChunk.Index"/> into <c>{stem}.jsonl</c> and <c>{stem}.bin</c>
    /// (<c>shard-{index:D5}</c> by default); the chunk's unreadable lines are reported as skipped beside the
    /// sentences whose images failed.
    /// </summary>
    public async Task<TokenizedShard> TokenizeAsync(SentenceDataset dataset, SentenceChunk chunk, IFileStore output, string? stem = null,
        Action<int>? onSentences = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        var shard = await TokenizeAsync(dataset, chunk.Sentences, output, stem ?? TokenShardFiles.Stem(chunk.Index), onSentences, cancellationToken);
        return shard with { Skipped = [.. chunk.Invalid.Concat(shard.Skipped).OrderBy(s => s.LineNumber)] };
    }

    /// <summary>
    /// Tokenizes <paramref name="sentences"/> (of <paramref name="dataset"/>) in order and writes the shard to
    /// <paramref name="output"/> as <c>{stem}.jsonl</c> and <c>{stem}.bin</c>, each file whole (built in memory,
    /// then one store write), the <c>.jsonl</c> last.
    /// </summary>
    /// <param name="dataset">Where the images are read from.</param>
    /// <param name="sentences">The sentences, one shard row each unless skipped.</param>
    /// <param name="output">The store the shard is written to.</param>
    /// <param name="stem">The shard's path in <paramref name="output"/>, without extension.</param>
    /// <param name="onSentences">Called with the number of sentences done (tokenized or skipped) after each batch.</param>
    /// <param name="cancellationToken">Stops between reads and batches; nothing is written then.</param>
    public async Task<TokenizedShard> TokenizeAsync(SentenceDataset dataset, IReadOnlyList<VisualSentence> sentences, IFileStore output, string stem,
        Action<int>? onSentences = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(sentences);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentException.ThrowIfNullOrEmpty(stem);
        if (_options.ImagesPerBatch <= 0) throw new ArgumentException("ImagesPerBatch must be positive.", nameof(options));
        int resolution = tokenizer.Config.Resolution;
        var batches = Batches(sentences);
        var rows = new List<int[]>(sentences.Count);
        var ids = new List<string>(sentences.Count);
        var skipped = new List<SkippedSentence>();
        Task<LoadedSentences>? next = batches.Count > 0 ? dataset.LoadSentencesAsync(batches[0], resolution, null, cancellationToken) : null;
        try
        {
            for (int b = 0; b < batches.Count; b++)
            {
                var loaded = await next!;
                // Read the next batch's images while this one is encoded: storage and the VQGAN work at once.
                next = b + 1 < batches.Count ? dataset.LoadSentencesAsync(batches[b + 1], resolution, null, cancellationToken) : null;
                cancellationToken.ThrowIfCancellationRequested();
                if (loaded.Loaded.Count > 0)
                {
                    rows.AddRange(Encode(loaded.Loaded));
                    ids.AddRange(loaded.Loaded.Select(s => s.Sentence.SentenceId));
                }
                skipped.AddRange(loaded.Skipped);
                onSentences?.Invoke(loaded.Loaded.Count + loaded.Skipped.Count);
            }
        }
        finally
        {
            if (next is not null)
                await next.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        var shard = TokenShard.FromSequences(rows);
        await TokenShardFiles.WriteAsync(output, stem, shard, cancellationToken);
        return new TokenizedShard(TokenShardFiles.JsonlPath(stem), TokenShardFiles.BinaryPath(stem), ids, shard.Count, shard.TokenCount, skipped);
    }

    /// <summary>Whole sentences, in order, up to <see cref="DatasetTokenizerOptions.ImagesPerBatch"/> images a batch (at least one sentence).</summary>
    private List<IReadOnlyList<VisualSentence>> Batches(IReadOnlyList<VisualSentence> sentences)
    {
        var batches = new List<IReadOnlyList<VisualSentence>>();
        var current = new List<VisualSentence>();
        int images = 0;
        foreach (var sentence in sentences)
        {
            if (current.Count > 0 && images + sentence.Images.Count > _options.ImagesPerBatch)
            {
                batches.Add(current);
                current = [];
                images = 0;
            }
            current.Add(sentence);
            images += sentence.Images.Count;
        }
        if (current.Count > 0) batches.Add(current);
        return batches;
    }

    /// <summary>One row per sentence: its frames' codes back to back, as int32.</summary>
    private List<int[]> Encode(IReadOnlyList<LoadedSentence> sentences)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var codes = tokenizer.Encode(ImageTensors.Stack(sentences.SelectMany(s => s.Images).ToList())).to(ScalarType.Int32).cpu(); // (images, tokens per image)
        var flat = codes.data<int>().ToArray();
        int perImage = (int)codes.shape[1], offset = 0;
        var rows = new List<int[]>(sentences.Count);
        foreach (var sentence in sentences)
        {
            int length = sentence.Images.Count * perImage;
            rows.Add(flat.AsSpan(offset, length).ToArray());
            offset += length;
        }
        return rows;
    }
}
