using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Azure.Storage.Blobs.Models;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Storage;
using LvmCloud.Vision.Native;
using LvmCloud.Vision.Pipelines;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TorchSharp;

namespace LvmCloud.Worker.Completion;

/// <summary>
/// Loaded models by <see cref="ModelReference"/>, each loaded once and kept. A model comes from
/// <see cref="WorkerOptions.ModelsDirectory"/><c>/{name}/{version}/</c> when that folder exists, else from the
/// <c>models</c> container's <c>{name}/{version}/</c> prefix, downloaded once into
/// <see cref="WorkerOptions.ModelCacheDirectory"/> (into a temporary folder first, so a crash never leaves a
/// half-downloaded model that looks complete).
/// </summary>
public sealed partial class ModelStore : IDisposable
{
    private readonly StorageClients _clients;
    private readonly WorkerOptions _options;
    private readonly ILogger<ModelStore> _logger;
    private readonly ConcurrentDictionary<ModelReference, Lazy<Task<LoadedModel>>> _models = new();

    public ModelStore(StorageClients clients, IOptions<WorkerOptions> options, ILogger<ModelStore> logger)
    {
        TorchRuntime.EnsureLoaded();
        _clients = clients;
        _options = options.Value;
        _logger = logger;
        Device = _options.Device switch
        {
            "cpu" => torch.CPU,
            "cuda" => torch.CUDA,
            _ => torch.cuda.is_available() ? torch.CUDA : torch.CPU,
        };
    }

    /// <summary>Where the models run.</summary>
    public torch.Device Device { get; }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex SegmentPattern();

    /// <summary>The model, loading it on first use; a failed load is retried on the next call.</summary>
    public async Task<LoadedModel> GetAsync(ModelReference reference, CancellationToken cancellationToken)
    {
        if (!SegmentPattern().IsMatch(reference.Name) || !SegmentPattern().IsMatch(reference.Version) || reference.Version.Contains(".."))
            throw new ArgumentException($"Model reference '{reference}' is not valid: name and version are 1-64 characters of A-Z a-z 0-9 . _ -.");
        var lazy = _models.GetOrAdd(reference, r => new Lazy<Task<LoadedModel>>(() => LoadAsync(r, CancellationToken.None)));
        try
        {
            return await lazy.Value.WaitAsync(cancellationToken);
        }
        catch (Exception) when (lazy.Value.IsFaulted)
        {
            _models.TryRemove(new KeyValuePair<ModelReference, Lazy<Task<LoadedModel>>>(reference, lazy));
            throw;
        }
    }

    private async Task<LoadedModel> LoadAsync(ModelReference reference, CancellationToken cancellationToken)
    {
        var folder = await LocateAsync(reference, cancellationToken);
        var model = await Task.Run(() => LvmModel.Load(folder, Device), cancellationToken);
        _logger.LogInformation("Model {Model} loaded from {Folder} on {Device}", reference, folder, Device);
        return new LoadedModel(reference, model);
    }

    private async Task<string> LocateAsync(ModelReference reference, CancellationToken cancellationToken)
    {
        if (_options.ModelsDirectory is { Length: > 0 } local)
        {
            var folder = Path.Combine(local, reference.Name, reference.Version);
            if (Directory.Exists(folder))
                return folder;
        }

        var cached = Path.Combine(_options.ModelCacheDirectory, reference.Name, reference.Version);
        if (Directory.Exists(cached))
            return cached;

        var prefix = $"{reference.Name}/{reference.Version}/";
        var container = _clients.Blobs.GetBlobContainerClient(StorageLayout.ModelsContainer);
        var staging = cached + ".download-" + Guid.NewGuid().ToString("N")[..8];
        var files = 0;
        try
        {
            await foreach (var blob in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, cancellationToken))
            {
                var relative = blob.Name[prefix.Length..];
                if (relative.Length == 0 || relative.Split('/').Any(s => s is "" or "." or ".."))
                    throw new InvalidDataException($"Model blob '{blob.Name}' has an unsafe path.");
                var target = Path.Combine(staging, relative.Replace('/', Path.DirectorySeparatorChar));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                await container.GetBlobClient(blob.Name).DownloadToAsync(target, cancellationToken);
                files++;
            }
            if (files == 0)
            {
                var where = _options.ModelsDirectory is { Length: > 0 } dir ? $"{Path.Combine(dir, reference.Name, reference.Version)} nor in " : "";
                throw new ModelNotFoundException($"Model {reference} is neither in {where}the '{StorageLayout.ModelsContainer}' container (no blob under '{prefix}').");
            }
            Directory.CreateDirectory(Path.GetDirectoryName(cached)!);
            try
            {
                Directory.Move(staging, cached);
            }
            catch (IOException) when (Directory.Exists(cached))
            {
                // Another worker process sharing the cache finished the same download first.
            }
            _logger.LogInformation("Model {Model}: {Files} files downloaded from the models container", reference, files);
            return cached;
        }
        finally
        {
            if (Directory.Exists(staging))
                Directory.Delete(staging, recursive: true);
        }
    }

    public void Dispose()
    {
        foreach (var lazy in _models.Values)
            if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully)
                lazy.Value.Result.Dispose();
        _models.Clear();
    }
}

/// <summary>A loaded model with its pipeline; runs are serialised (one generation batch at a time per model).</summary>
public sealed class LoadedModel(ModelReference reference, LvmModel model) : IDisposable
{
    public ModelReference Reference { get; } = reference;
    public LvmModel Model { get; } = model;
    public CompletionPipeline Pipeline { get; } = new(model);
    public SemaphoreSlim Gate { get; } = new(1, 1);

    public void Dispose()
    {
        Model.Dispose();
        Gate.Dispose();
    }
}

/// <summary>The model a message names exists neither locally nor in the <c>models</c> container.</summary>
public sealed class ModelNotFoundException(string message) : Exception(message);
