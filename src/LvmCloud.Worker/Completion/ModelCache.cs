using LvmCloud.Core.Storage;
using LvmCloud.Platform.Datasets;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Storage;
using LvmCloud.Vision.Batches;
using LvmCloud.Vision.Devices;
using LvmCloud.Vision.Memory;
using LvmCloud.Vision.Native;
using LvmCloud.Vision.Pipelines;
using LvmCloud.Worker.Caching;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TorchSharp;

namespace LvmCloud.Worker.Completion;

/// <summary>
/// Loaded models by <see cref="ModelReference"/>, each loaded once and kept. A model comes from
/// <see cref="WorkerOptions.ModelsDirectory"/>: <c>{name}/{version}/</c>, or <c>{name}/</c> itself when that is a
/// model folder and the version asked for is <c>latest</c> or the one in its <c>lvm.json</c> (the bundled
/// <c>models/fmnist-lvm</c> is such a folder); else from the <c>models</c> container's <c>{name}/{version}/</c>
/// prefix, downloaded once into
/// <see cref="WorkerOptions.ModelCacheDirectory"/> (in parallel ranges, checked against each file's SHA-256, into a
/// staging folder first that a restarted download resumes, so a crash never leaves a half-downloaded model that looks
/// complete).
/// </summary>
public sealed class ModelCache : IModelSource, IDisposable
{
    private readonly StorageClients _clients;
    private readonly WorkerOptions _options;
    private readonly ILogger<ModelCache> _logger;
    private readonly CacheOnce<ModelReference, LoadedModel> _models = new();

    public ModelCache(StorageClients clients, IOptions<WorkerOptions> options, ILogger<ModelCache> logger, IOptions<Generate.GenerationBatchOptions>? batchOptions = null)
    {
        TorchRuntime.EnsureLoaded();
        _clients = clients;
        _options = options.Value;
        _logger = logger;
        Placement = ModelPlacement.Resolve(_options.Device, _options.DType, WorkerDeviceValidation.DeviceSetting, WorkerDeviceValidation.DTypeSetting) with
        {
            Budget = _options.MemoryLimitGb is { } gb ? MemoryBudget.Gigabytes(gb, $"Worker:MemoryLimitGb={gb.ToString(System.Globalization.CultureInfo.InvariantCulture)}") : null,
        };
        _batchRows = batchOptions?.Value.BatchRows;
    }

    private readonly int? _batchRows;

    /// <summary>Where the models run and the transformer's dtype choice (<c>Worker:Device</c>, <c>Worker:DType</c>).</summary>
    public ModelPlacement Placement { get; }

    /// <summary>Where the models run.</summary>
    public torch.Device Device => Placement.Device;

    public async Task<IFrameCompleter> OpenAsync(ModelReference model, CancellationToken cancellationToken) =>
        (await GetAsync(model, cancellationToken)).Completer;

    /// <summary>The model, loading it on first use; a failed load is retried on the next call.</summary>
    public async Task<LoadedModel> GetAsync(ModelReference reference, CancellationToken cancellationToken)
    {
        if (reference.Problem() is { } problem)
            throw new ArgumentException(problem);
        return await _models.GetAsync(reference, r => LoadAsync(r, CancellationToken.None), cancellationToken);
    }

    private async Task<LoadedModel> LoadAsync(ModelReference reference, CancellationToken cancellationToken)
    {
        var folder = await LocateAsync(reference, cancellationToken);
        return await ModelFolderLoader.LoadAsync(reference, folder, Placement, _batchRows, _logger, cancellationToken);
    }

    /// <summary>The local model folder for <paramref name="reference"/> under <paramref name="root"/>, or null (see the class summary for the two layouts).</summary>
    public static string? FindLocal(string root, ModelReference reference) => LocalModelFolders.Find(root, reference);

    /// <summary>The version name that also selects an unversioned model folder.</summary>
    public const string LatestVersion = LocalModelFolders.LatestVersion;

    /// <summary>
    /// The local <c>tokenizer/</c> folder of <paramref name="reference"/>, for jobs that need only the VQGAN: the model's
    /// own when it is in <see cref="WorkerOptions.ModelsDirectory"/> or already cached whole, else only the
    /// <c>{name}/{version}/tokenizer/</c> blobs, downloaded once (the transformer is not fetched).
    /// </summary>
    /// <exception cref="ModelNotFoundException">Neither place has the tokenizer (permanent).</exception>
    public async Task<string> LocateTokenizerAsync(ModelReference reference, CancellationToken cancellationToken)
    {
        if (reference.Problem() is { } problem)
            throw new ArgumentException(problem);
        if (_options.ModelsDirectory is { Length: > 0 } local && LocalModelFolders.Find(local, reference, tokenizerOnly: true) is { } found)
            return Path.Combine(found, LvmModel.TokenizerFolder);
        var whole = Path.Combine(_options.ModelCacheDirectory, reference.Name, reference.Version, LvmModel.TokenizerFolder);
        if (Directory.Exists(whole))
            return whole;
        // '@' cannot be in a version, so this never meets a whole model's cache folder.
        var cached = Path.Combine(_options.ModelCacheDirectory, reference.Name, reference.Version + "@" + LvmModel.TokenizerFolder);
        if (!Directory.Exists(cached))
            await DownloadAsync(reference, $"{reference.Name}/{reference.Version}/{LvmModel.TokenizerFolder}/", cached, cancellationToken);
        return cached;
    }

    /// <summary>
    /// The local folder of <paramref name="reference"/>: in <see cref="WorkerOptions.ModelsDirectory"/>, else downloaded
    /// once from the <c>models</c> container into the cache (training reads a base model's files from here too).
    /// </summary>
    /// <exception cref="ModelNotFoundException">Neither place has it.</exception>
    public async Task<string> LocateAsync(ModelReference reference, CancellationToken cancellationToken)
    {
        if (_options.ModelsDirectory is { Length: > 0 } local && FindLocal(local, reference) is { } found)
            return found;

        var cached = Path.Combine(_options.ModelCacheDirectory, reference.Name, reference.Version);
        if (Directory.Exists(cached))
            return cached;
        await DownloadAsync(reference, $"{reference.Name}/{reference.Version}/", cached, cancellationToken);
        return cached;
    }

    /// <summary>
    /// Downloads the files under <paramref name="prefix"/> of the models container into <paramref name="cached"/>: each
    /// file in parallel ranges, verified against its SHA-256 (<see cref="FileStoreFolders.DownloadFolderAsync"/>), into a staging folder
    /// named after the model (<c>{cached}.download</c>), so a download that stops resumes with what it lacks; the folder
    /// is moved into place when every file is there. One worker at a time downloads a model (<see cref="CacheFolderLock"/>);
    /// the others wait and then use its folder. A model without its <c>lvm.json</c> (never registered, or a push that
    /// stopped half way) is not found.
    /// </summary>
    private async Task DownloadAsync(ModelReference reference, string prefix, string cached, CancellationToken cancellationToken)
    {
        var container = _clients.ModelFiles;
        var marker = $"{reference.Name}/{reference.Version}/{LvmModelSettings.FileName}";
        if (!await container.ContainerExistsAsync(cancellationToken) || !await container.ExistsAsync(marker, cancellationToken))
        {
            var where = _options.ModelsDirectory is { Length: > 0 } dir ? $"{Path.Combine(dir, reference.Name, reference.Version)} (or {Path.Combine(dir, reference.Name)}) nor in " : "";
            throw new ModelNotFoundException($"Model {reference} is neither in {where}the '{StorageLayout.ModelsContainer}' container (no '{marker}': not registered, or its push has not finished).");
        }
        using var cacheLock = await CacheFolderLock.AcquireAsync(cached, cancellationToken);
        if (Directory.Exists(cached))
            return; // another worker sharing the cache downloaded it while this one waited for the lock
        var staging = cached + ".download";
        var download = new RangedDownload();
        int files;
        try
        {
            files = await container.DownloadFolderAsync(prefix, staging, download, cancellationToken); // keeps files finished by an earlier attempt
        }
        catch (InvalidDataException e)
        {
            throw new ModelLoadException($"Model {reference}: {e.Message}", e);
        }
        Directory.CreateDirectory(Path.GetDirectoryName(cached)!);
        try
        {
            Directory.Move(staging, cached);
        }
        catch (IOException) when (Directory.Exists(cached))
        {
            // Another worker process sharing the cache finished the same download first.
            Directory.Delete(staging, recursive: true);
        }
        _logger.LogInformation("Model {Model}: {Files} files under {Prefix} downloaded from the models container ({Ranges} ranges fetched)", reference, files, prefix, download.RangesFetched);
    }

    public void Dispose()
    {
        foreach (var model in _models.Loaded)
            model.Dispose();
        _models.Clear();
    }
}
