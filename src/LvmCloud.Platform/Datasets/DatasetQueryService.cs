using System.Text.Json;
using LvmCloud.Core.Datasets;
using LvmCloud.Core.Storage;
using LvmCloud.Platform.Batches;
using LvmCloud.Platform.Configuration;
using LvmCloud.Platform.Requests;
using LvmCloud.Platform.State;
using LvmCloud.Platform.Storage;
using Microsoft.Extensions.Options;

namespace LvmCloud.Platform.Datasets;

/// <summary>
/// Read side of the datasets API. The list costs one listing of the container's top-level folders and one query of
/// the watermarks; one dataset adds a query of each tokenizer's chunk rows (its shards) and the two run rows.
/// </summary>
public sealed class DatasetQueryService(StorageClients clients, TokenizeStateStore state, SasIssuer sas, IOptions<IntakeOptions> intake, IOptions<TokenizeOptions> tokenize, TimeProvider time)
{
    public const int SkippedShown = 100;

    public async Task<DatasetList> ListAsync(CancellationToken cancellationToken)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        if (await clients.DatasetFiles.ContainerExistsAsync(cancellationToken))
            await foreach (var name in TokenizeScheduler.DatasetNamesAsync(clients, cancellationToken))
                names.Add(name);
        var watermarks = await state.GetWatermarksAsync(null, cancellationToken);
        foreach (var w in watermarks)
            names.Add(w.Dataset);
        var byDataset = watermarks.ToLookup(w => w.Dataset, StringComparer.Ordinal);
        return new DatasetList(names.Select(n => new DatasetSummary(n, byDataset[n].OrderBy(w => w.TokenizerId, StringComparer.Ordinal).Select(Summary).ToList())).ToList());
    }

    /// <exception cref="NotFoundException">Neither files nor tokens of the dataset exist.</exception>
    public async Task<DatasetStatus> GetAsync(string dataset, CancellationToken cancellationToken)
    {
        RequireName(dataset);
        var hasSentences = await clients.DatasetFiles.ExistsAsync(StorageLayout.SentencesPath(dataset), cancellationToken);
        var watermarks = await state.GetWatermarksAsync(dataset, cancellationToken);
        if (!hasSentences && watermarks.Count == 0)
            throw new NotFoundException($"Dataset '{dataset}' has neither a {StorageLayout.SentencesFileName} nor token shards.");
        var tokenizers = new List<TokenizerStatus>();
        foreach (var w in watermarks.OrderBy(w => w.TokenizerId, StringComparer.Ordinal))
            tokenizers.Add(await StatusAsync(w, cancellationToken));
        return new DatasetStatus(dataset, hasSentences, tokenizers);
    }

    /// <summary>The index of the dataset's shards with <paramref name="tokenizer"/> (an id or <c>name/version</c>; default: the default tokenizer's latest), each file with a read SAS URL.</summary>
    public async Task<DatasetTokens> GetTokensAsync(string dataset, string? tokenizer, CancellationToken cancellationToken)
    {
        RequireName(dataset);
        var watermarks = (await state.GetWatermarksAsync(dataset, cancellationToken)).Where(w => w.IndexETag is not null).ToList();
        var chosen = Choose(watermarks, tokenizer)
            ?? throw new NotFoundException(tokenizer is null
                ? $"Dataset '{dataset}' has no token shards yet: POST /api/datasets/{dataset}/tokenize starts a run."
                : $"Dataset '{dataset}' has no token shards made with tokenizer '{tokenizer}' (it has: {string.Join(", ", watermarks.Select(w => w.TokenizerId))}).");
        var prefix = StorageLayout.TokensPrefix(dataset, chosen.TokenizerId);
        var content = await clients.TokenFiles.TryReadAllTextAsync(prefix + StorageLayout.DatasetIndexFileName, cancellationToken)
            ?? throw new NotFoundException($"Dataset '{dataset}' with {chosen.TokenizerId}: index.json is missing.");
        var index = JsonSerializer.Deserialize<DatasetIndex>(content, PlatformJson.Web) ?? throw new InvalidDataException("index.json is empty.");
        var expiresOn = time.GetUtcNow() + intake.Value.ReadSasLifetime;
        var files = new Dictionary<string, Uri>(StringComparer.Ordinal);
        foreach (var name in index.Shards.SelectMany(s => new[] { s.Jsonl, s.Bin, s.Entry }).Append(StorageLayout.DatasetIndexFileName))
            files[name] = await sas.CreateAsync(clients.TokenFiles, prefix + name, SasAccess.Read, expiresOn, cancellationToken);
        return new DatasetTokens(dataset, chosen.TokenizerId, index, expiresOn, files);
    }

    private TokenizeWatermarkEntity? Choose(IReadOnlyList<TokenizeWatermarkEntity> watermarks, string? tokenizer)
    {
        if (tokenizer is { Length: > 0 })
            return watermarks.FirstOrDefault(w => w.TokenizerId == tokenizer)
                ?? watermarks.Where(w => $"{w.TokenizerName}/{w.TokenizerVersion}" == tokenizer).MaxBy(w => w.LastRunFinishedAt);
        var options = tokenize.Value;
        return watermarks.Where(w => w.TokenizerName == options.DefaultTokenizerName && w.TokenizerVersion == options.DefaultTokenizerVersion).MaxBy(w => w.LastRunFinishedAt)
            ?? watermarks.MaxBy(w => w.LastRunFinishedAt);
    }

    private async Task<TokenizerStatus> StatusAsync(TokenizeWatermarkEntity w, CancellationToken cancellationToken)
    {
        var lastRun = w.LastRunId is { } last ? await state.GetRunAsync(w.PartitionKey, last, cancellationToken) : null;
        var activeRun = w.ActiveRunId is { } active ? await state.GetRunAsync(w.PartitionKey, active, cancellationToken) : null;
        var chunks = await state.GetChunksAsync(w.PartitionKey, cancellationToken);
        var skipped = chunks
            .Where(c => c.SkippedJson is not null)
            .SelectMany(c => JsonSerializer.Deserialize<List<SkippedSentence>>(c.SkippedJson!, PlatformJson.Web) ?? [])
            .Take(SkippedShown)
            .ToList();
        var failed = chunks
            .Where(c => c.State is TokenizeStates.Failed or TokenizeStates.Superseded)
            .Select(c => new ChunkProblem(c.Chunk, c.State, c.Error, c.FirstLine, c.LastLine))
            .ToList();
        return new TokenizerStatus(w.TokenizerId, $"{w.TokenizerName}/{w.TokenizerVersion}", w.ChunkSize, w.Shards, w.Sentences, w.Tokens, w.Skipped,
            View(lastRun), View(activeRun), activeRun is null ? 0 : Math.Max(0, activeRun.ChunksTotal - activeRun.ChunksDone), failed, skipped);
    }

    private static TokenizerSummary Summary(TokenizeWatermarkEntity w) =>
        new(w.TokenizerId, $"{w.TokenizerName}/{w.TokenizerVersion}", w.Shards, w.Sentences, w.Tokens, w.Skipped, w.ActiveRunId,
            w.LastRunId is null ? null : new LastRunView(w.LastRunId, w.LastRunOutcome, w.LastRunTrigger, w.LastRunStartedAt, w.LastRunFinishedAt));

    private static RunView? View(TokenizeRunEntity? run) =>
        run is null ? null : new RunView(run.RunId, run.State, run.Outcome, run.Trigger, run.Force, run.CreatedAt, run.FinishedAt,
            run.ChunksTotal, run.ChunksSucceeded, run.ChunksFailed, run.ChunksSuperseded);

    private static void RequireName(string dataset)
    {
        if (!Identifiers.IsValidDatasetName(dataset))
            throw new BadRequestException($"Dataset name '{dataset}' is not valid: use 1-64 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit, without '..'.");
    }
}
