using LvmCloud.Core.Storage;
using LvmCloud.Platform.Configuration;
using LvmCloud.Platform.Datasets;
using LvmCloud.Platform.Queues;
using LvmCloud.Vision.Tokenizer;
using LvmCloud.Worker.Caching;
using LvmCloud.Worker.Completion;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LvmCloud.Worker.Tokenize;

/// <summary>
/// Tokenizers for <c>tokenize</c> jobs, each loaded once and kept: only the model's <c>tokenizer/</c> folder, found
/// where <see cref="ModelCache"/> finds models (<c>Worker:ModelsDirectory</c>, the cache, else the <c>models</c>
/// container's <c>{name}/{version}/tokenizer/</c> alone), named by the hash of its files (<see cref="TokenizerIds"/>).
/// </summary>
public sealed class TokenizerCache(ModelCache models, IOptions<TokenizeOptions> options, ILogger<TokenizerCache> logger) : IDisposable
{
    private readonly CacheOnce<ModelReference, LoadedTokenizer> _tokenizers = new();

    /// <summary>The tokenizer, loading it on first use; a failed load is retried on the next call.</summary>
    /// <exception cref="ModelNotFoundException">It exists nowhere (permanent).</exception>
    /// <exception cref="ModelLoadException">Its files do not load (permanent).</exception>
    public Task<LoadedTokenizer> GetAsync(ModelReference reference, CancellationToken cancellationToken) =>
        _tokenizers.GetAsync(reference, r => LoadAsync(r, CancellationToken.None), cancellationToken);

    private async Task<LoadedTokenizer> LoadAsync(ModelReference reference, CancellationToken cancellationToken)
    {
        var folder = await models.LocateTokenizerAsync(reference, cancellationToken);
        var id = TokenizerIds.Format(reference, await TokenizerIds.HashAsync(new FolderStore(folder), cancellationToken));
        VqganTokenizer tokenizer;
        try
        {
            tokenizer = await Task.Run(() => VqganTokenizer.Load(folder, models.Device, options.Value.ImagesPerBatch), cancellationToken);
        }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException or DirectoryNotFoundException or FormatException
                                      or System.Text.Json.JsonException or ArgumentException or KeyNotFoundException
                                      or Vision.Checkpoints.CheckpointException)
        {
            throw new ModelLoadException($"Tokenizer {reference} in {folder} cannot be loaded: {e.Message}", e);
        }
        logger.LogInformation("Tokenizer {Tokenizer} ({TokenizerId}) loaded from {Folder} on {Device}", reference, id, folder, models.Device);
        return new LoadedTokenizer(reference, id, tokenizer);
    }

    public void Dispose()
    {
        foreach (var tokenizer in _tokenizers.Loaded)
            tokenizer.Dispose();
        _tokenizers.Clear();
    }
}
