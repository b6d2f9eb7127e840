using System.Collections.Concurrent;
using LvmCloud.Core.Storage;
using LvmCloud.Platform.Configuration;
using LvmCloud.Platform.Datasets;
using LvmCloud.Platform.Queues;
using LvmCloud.Vision.Tokenizer;
using LvmCloud.Worker.Completion;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LvmCloud.Worker.Tokenize;

/// <summary>
/// Tokenizers for <c>tokenize</c> jobs, each loaded once and kept: only the model's <c>tokenizer/</c> folder, found
/// where <see cref="ModelStore"/> finds models (<c>Worker:ModelsDirectory</c>, the cache, else the <c>models</c>
/// container's <c>{name}/{version}/tokenizer/</c> alone), named by the hash of its files (<see cref="TokenizerIds"/>).
/// </summary>
public sealed class TokenizerStore(ModelStore models, IOptions<TokenizeOptions> options, ILogger<TokenizerStore> logger) : IDisposable
{
    private readonly ConcurrentDictionary<ModelReference, Lazy<Task<LoadedTokenizer>>> _tokenizers = new();

    /// <summary>The tokenizer, loading it on first use; a failed load is retried on the next call.</summary>
    /// <exception cref="ModelNotFoundException">It exists nowhere (permanent).</exception>
    /// <exception cref="ModelLoadException">Its files do not load (permanent).</exception>
    public async Task<LoadedTokenizer> GetAsync(ModelReference reference, CancellationToken cancellationToken)
    {
        var lazy = _tokenizers.GetOrAdd(reference, r => new Lazy<Task<LoadedTokenizer>>(() => LoadAsync(r, CancellationToken.None)));
        try
        {
            return await lazy.Value.WaitAsync(cancellationToken);
        }
        catch (Exception) when (lazy.Value.IsFaulted)
        {
            _tokenizers.TryRemove(new KeyValuePair<ModelReference, Lazy<Task<LoadedTokenizer>>>(reference, lazy));
            throw;
        }
    }

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
        foreach (var lazy in _tokenizers.Values)
            if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully)
                lazy.Value.Result.Dispose();
        _tokenizers.Clear();
    }
}
