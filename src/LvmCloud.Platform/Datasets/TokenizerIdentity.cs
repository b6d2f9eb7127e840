using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using LvmCloud.Core.Storage;
using LvmCloud.Platform.Batches;
using LvmCloud.Platform.Configuration;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Requests;
using LvmCloud.Platform.State;
using LvmCloud.Platform.Storage;
using Microsoft.Extensions.Options;

namespace LvmCloud.Platform.Datasets;

/// <summary>
/// The tokenizer id (<see cref="TokenizerIds"/>) of a tokenizer name and version, for planning: from
/// <see cref="TokenizeOptions.ModelsDirectory"/> when the model is there (the layout the worker reads), else from the
/// <c>models</c> container's <c>{name}/{version}/tokenizer/</c>. Hashing reads every byte of the tokenizer, so the
/// result is kept per version of its files (a listing's paths and ETags, or lengths and times locally): in memory,
/// and for the container also in the state table, so a cold start does not read the weights again.
/// </summary>
public sealed class TokenizerIdentity(StorageClients clients, TokenizeStateStore state, IOptions<TokenizeOptions> options)
{
    private readonly ConcurrentDictionary<string, string> _hashes = new(StringComparer.Ordinal);

    /// <exception cref="NotFoundException">The tokenizer is in neither place.</exception>
    public async Task<string> ResolveAsync(ModelReference tokenizer, CancellationToken cancellationToken)
    {
        if (tokenizer.Problem() is { } problem)
            throw new BadRequestException(problem);
        if (options.Value.ModelsDirectory is { Length: > 0 } root && LocalModelFolders.Find(root, tokenizer, tokenizerOnly: true) is { } folder)
        {
            var local = new FolderStore(Path.Combine(folder, LocalModelFolders.TokenizerFolder));
            var version = await ListingVersionAsync(local, cancellationToken);
            return TokenizerIds.Format(tokenizer, await HashOnceAsync($"local {local.Root} {version}", local, cancellationToken));
        }

        var prefix = $"{tokenizer.Name}/{tokenizer.Version}/{LocalModelFolders.TokenizerFolder}/";
        var store = new BlobStore(clients.Models, prefix);
        var sourceVersion = await ListingVersionAsync(store, cancellationToken);
        if (sourceVersion is null)
        {
            var where = options.Value.ModelsDirectory is { Length: > 0 } dir ? $"under {dir} nor " : "";
            throw new NotFoundException($"Tokenizer {tokenizer} is neither {where}in the '{StorageLayout.ModelsContainer}' container (no blob under '{prefix}').");
        }
        var key = TokenizerIdEntity.RowKeyFor(tokenizer);
        if (_hashes.TryGetValue($"blob {key} {sourceVersion}", out var known))
            return TokenizerIds.Format(tokenizer, known);
        if (await state.GetTokenizerIdAsync(key, cancellationToken) is { } row && row.SourceVersion == sourceVersion)
        {
            _hashes[$"blob {key} {sourceVersion}"] = row.Hash;
            return TokenizerIds.Format(tokenizer, row.Hash);
        }
        var hash = await HashOnceAsync($"blob {key} {sourceVersion}", store, cancellationToken);
        await state.PutTokenizerIdAsync(new TokenizerIdEntity { RowKey = key, SourceVersion = sourceVersion, Hash = hash }, cancellationToken);
        return TokenizerIds.Format(tokenizer, hash);
    }

    private async Task<string> HashOnceAsync(string cacheKey, IFileStore store, CancellationToken cancellationToken)
    {
        if (_hashes.TryGetValue(cacheKey, out var hash))
            return hash;
        hash = await TokenizerIds.HashAsync(store, cancellationToken);
        _hashes[cacheKey] = hash;
        return hash;
    }

    /// <summary>A fingerprint of the folder's listing (paths, lengths, versions); null when it holds no files.</summary>
    private static async Task<string?> ListingVersionAsync(IFileStore store, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        await foreach (var file in store.ListAsync("", cancellationToken))
            text.Append(file.Path).Append(' ').Append(file.Length).Append(' ').Append(file.Version).Append('\n');
        return text.Length == 0 ? null : Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
