using LvmCloud.Core.Images;
using LvmCloud.Core.Manifests;
using LvmCloud.Core.Sentences;
using LvmCloud.Core.Storage;

namespace LvmCloud.Core.Datasets;

/// <summary>
/// A dataset in any <see cref="IFileStore"/> (a local folder, or <c>datasets/{dataset}/</c> in blob storage): a
/// <c>sentences.jsonl</c> listing images by paths relative to the dataset, in sentence order
/// (<see cref="VisualSentenceParser"/>). Bad input fails alone, as the platform's rules ask: a line that is not
/// valid JSON or names a path outside the dataset is listed in <see cref="Invalid"/>, and a sentence whose image is
/// missing, not an image, damaged or over the limits is skipped when its images are loaded; the rest go on.
/// Storage errors (a blob service that fails, a cancelled job) are not the data's fault and are thrown, so a job
/// is retried instead of skipping good sentences.
/// </summary>
public sealed class SentenceDataset
{
    private SentenceDataset(IFileStore store, SentenceDatasetOptions options, IReadOnlyList<VisualSentence> sentences, IReadOnlyList<SkippedSentence> invalid)
    {
        Store = store;
        Options = options;
        Sentences = sentences;
        Invalid = invalid;
    }

    public IFileStore Store { get; }

    public SentenceDatasetOptions Options { get; }

    /// <summary>The valid sentences, in line order.</summary>
    public IReadOnlyList<VisualSentence> Sentences { get; }

    /// <summary>The lines that could not be read, in line order, each with its reason.</summary>
    public IReadOnlyList<SkippedSentence> Invalid { get; }

    /// <summary>Where <c>sentences.jsonl</c> lives, for messages.</summary>
    public string SentencesFile => Store.Describe(SentenceDatasetWriter.SentencesFileName);

    /// <summary>Reads and parses <c>sentences.jsonl</c>; no image is touched until asked for.</summary>
    /// <exception cref="FileNotFoundException">The store has no <c>sentences.jsonl</c>.</exception>
    public static async Task<SentenceDataset> OpenAsync(IFileStore store, SentenceDatasetOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        options ??= SentenceDatasetOptions.Default;
        string text = await store.TryReadAllTextAsync(SentenceDatasetWriter.SentencesFileName, cancellationToken)
            ?? throw new FileNotFoundException($"'{store.Describe(SentenceDatasetWriter.SentencesFileName)}' not found: a dataset folder holds a sentences.jsonl listing its images.");
        ParsedSentences parsed = VisualSentenceParser.Parse(text, options.SentenceLimits);
        var invalid = parsed.Invalid.Select(Skipped).ToList();
        return new SentenceDataset(store, options, parsed.Sentences, invalid);
    }

    /// <summary>
    /// A dataset view over some lines of <c>sentences.jsonl</c> that the caller already holds (a <c>tokenize</c>
    /// job's chunk, read by byte range), the first being line <paramref name="firstLineNumber"/> of the file;
    /// images are read from <paramref name="store"/> as usual. <paramref name="marked"/> are lines the whole file's
    /// parse found invalid for reasons these lines alone cannot show (an id repeated from an earlier line, the
    /// sentence limit): they are invalid here too, with those reasons.
    /// </summary>
    public static SentenceDataset FromLines(IFileStore store, string lines, int firstLineNumber, IReadOnlyList<SkippedSentence>? marked = null, SentenceDatasetOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(lines);
        options ??= SentenceDatasetOptions.Default;
        ParsedSentences parsed = VisualSentenceParser.Parse(lines, options.SentenceLimits, firstLineNumber);
        var markedLines = (marked ?? []).ToDictionary(m => m.LineNumber);
        var invalid = parsed.Invalid.Select(Skipped).Where(i => !markedLines.ContainsKey(i.LineNumber)).Concat(markedLines.Values)
            .OrderBy(i => i.LineNumber).ToList();
        var sentences = parsed.Sentences.Where(s => !markedLines.ContainsKey(s.LineNumber)).ToList();
        return new SentenceDataset(store, options, sentences, invalid);
    }

    /// <summary>Every distinct image path of <see cref="Sentences"/>, in first-use order.</summary>
    public IReadOnlyList<string> DistinctImages() => Sentences.SelectMany(s => s.Images).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>
    /// Chunk <paramref name="index"/> of <paramref name="linesPerChunk"/> non-blank lines (valid or not): what one
    /// <c>tokenize</c> job turns into one shard. Past the end it is empty.
    /// </summary>
    public SentenceChunk Chunk(int index, int linesPerChunk)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(linesPerChunk);
        var lines = Sentences.Select(s => s.LineNumber).Concat(Invalid.Select(i => i.LineNumber)).Order().ToList();
        long first = (long)index * linesPerChunk;
        if (first >= lines.Count) return new SentenceChunk(index, [], []);
        int from = lines[(int)first], to = lines[(int)Math.Min(lines.Count - 1, first + linesPerChunk - 1)];
        return new SentenceChunk(index,
            Sentences.Where(s => s.LineNumber >= from && s.LineNumber <= to).ToList(),
            Invalid.Where(i => i.LineNumber >= from && i.LineNumber <= to).ToList());
    }

    /// <summary>How many chunks of <paramref name="linesPerChunk"/> lines the dataset has.</summary>
    public int ChunkCount(int linesPerChunk)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(linesPerChunk);
        return (int)(((long)Sentences.Count + Invalid.Count + linesPerChunk - 1) / linesPerChunk);
    }

    /// <summary>
    /// Reads one image through the store (bounded by <see cref="ImageLimits.MaxBytes"/>) and prepares it as a
    /// square model input with <see cref="ImageLoader.LoadForModel(Stream, int, ResizeMode, ImageLimits, string)"/>.
    /// </summary>
    /// <exception cref="ImageRejectedException">The image is missing (<see cref="ImageRejectReason.NotFound"/>), not an image, damaged or
    /// over the limits, or its path leaves the dataset (a path code such as <c>path-traversal</c>).</exception>
    public async Task<RgbImage> LoadImageAsync(string path, int resolution, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(resolution);
        if (Paths.RelativePath.Check(path) is { } problem)
            throw new ImageRejectedException(path, problem.Reason, $"the path is refused: {problem.Message}.");
        using var buffer = new MemoryStream();
        try
        {
            await using var stream = await Store.OpenReadAsync(path, cancellationToken);
            await CopyBoundedAsync(stream, buffer, Options.ImageLimits.MaxBytes, path, cancellationToken);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ImageRejectedException(path, ImageRejectReason.NotFound, "no such file in the dataset.", e);
        }

        buffer.Position = 0;
        return ImageLoader.LoadForModel(buffer, resolution, Options.ResizeMode, Options.ImageLimits, path).Pixels;
    }

    /// <summary>
    /// Loads <paramref name="paths"/> (each once, <see cref="SentenceDatasetOptions.MaxParallelReads"/> at a time);
    /// rejected images are listed apart, the others keep the order asked.
    /// </summary>
    /// <param name="paths">Image paths relative to the dataset.</param>
    /// <param name="resolution">Side of the square model input.</param>
    /// <param name="onLoaded">Called (from any thread) with 1 as each image is done, loaded or rejected.</param>
    /// <param name="cancellationToken">Stops the reads.</param>
    public async Task<DatasetImages> LoadImagesAsync(IReadOnlyList<string> paths, int resolution, Action<int>? onLoaded = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var results = await LoadAllAsync(paths, resolution, onLoaded, cancellationToken);
        var loadedPaths = new List<string>();
        var images = new List<RgbImage>();
        var rejected = new List<RejectedImage>();
        for (int i = 0; i < paths.Count; i++)
        {
            if (results[i].Image is { } image)
            {
                loadedPaths.Add(paths[i]);
                images.Add(image);
            }
            else
            {
                rejected.Add(results[i].Rejected!);
            }
        }

        return new DatasetImages(loadedPaths, images, rejected);
    }

    /// <summary>
    /// Loads the images of <paramref name="sentences"/> at <paramref name="resolution"/>, each distinct path once.
    /// A sentence with a bad image is skipped (with the first bad image's reason); the others come back in the
    /// order asked.
    /// </summary>
    /// <param name="sentences">Sentences of this dataset.</param>
    /// <param name="resolution">Side of the square model input.</param>
    /// <param name="preloaded">Images the caller already holds at this resolution, by path: not read again.</param>
    /// <param name="cancellationToken">Stops the reads.</param>
    public async Task<LoadedSentences> LoadSentencesAsync(IReadOnlyList<VisualSentence> sentences, int resolution,
        IReadOnlyDictionary<string, RgbImage>? preloaded = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sentences);
        var paths = sentences.SelectMany(s => s.Images).Distinct(StringComparer.Ordinal)
            .Where(p => preloaded is null || !preloaded.ContainsKey(p)).ToList();
        var results = await LoadAllAsync(paths, resolution, null, cancellationToken);
        var byPath = new Dictionary<string, ImageResult>(StringComparer.Ordinal);
        for (int i = 0; i < paths.Count; i++) byPath[paths[i]] = results[i];
        if (preloaded is not null)
            foreach (var (path, image) in preloaded) byPath.TryAdd(path, new ImageResult(image, null));

        var loaded = new List<LoadedSentence>(sentences.Count);
        var skipped = new List<SkippedSentence>();
        foreach (VisualSentence sentence in sentences)
        {
            var images = sentence.Images.Select(p => byPath[p]).ToList();
            if (images.FirstOrDefault(r => r.Rejected is not null)?.Rejected is { } bad)
                skipped.Add(new SkippedSentence(sentence.SentenceId, sentence.LineNumber, bad.Reason, bad.Message));
            else
                loaded.Add(new LoadedSentence(sentence, images.Select(r => r.Image!).ToList()));
        }

        return new LoadedSentences(loaded, skipped);
    }

    private async Task<ImageResult[]> LoadAllAsync(IReadOnlyList<string> paths, int resolution, Action<int>? onLoaded, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(resolution);
        var results = new ImageResult[paths.Count];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Options.MaxParallelReads), CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, paths.Count), parallel, async (i, ct) =>
        {
            try
            {
                results[i] = new ImageResult(await LoadImageAsync(paths[i], resolution, ct), null);
            }
            catch (ImageRejectedException e)
            {
                results[i] = new ImageResult(null, new RejectedImage(paths[i], e.Reason, e.Message));
            }

            onLoaded?.Invoke(1);
        });
        return results;
    }

    /// <summary>Copies at most <paramref name="maxBytes"/> bytes; a longer stream is refused without reading it all.</summary>
    private static async Task CopyBoundedAsync(Stream source, MemoryStream target, long maxBytes, string name, CancellationToken cancellationToken)
    {
        if (source.CanSeek && source.Length - source.Position > maxBytes)
            throw new ImageRejectedException(name, ImageRejectReason.TooLargeBytes, $"{source.Length - source.Position} bytes exceeds the limit of {maxBytes} bytes.");
        var chunk = new byte[81920];
        int read;
        while ((read = await source.ReadAsync(chunk, cancellationToken)) > 0)
        {
            target.Write(chunk, 0, read);
            if (target.Length > maxBytes)
                throw new ImageRejectedException(name, ImageRejectReason.TooLargeBytes, $"more than {maxBytes} bytes exceeds the limit of {maxBytes} bytes.");
        }
    }

    private static SkippedSentence Skipped(InvalidLine line) =>
        new(line.Id ?? VisualSentence.ForLine(line.LineNumber), line.LineNumber, line.Reason, $"line {line.LineNumber}: {line.Error}");

    private sealed record ImageResult(RgbImage? Image, RejectedImage? Rejected);
}
