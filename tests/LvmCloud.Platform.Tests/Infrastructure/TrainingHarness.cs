using System.Text.Json;
using Azure.Storage.Blobs;
using LvmCloud.Core.Storage;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Storage;
using LvmCloud.Platform.Training;
using LvmCloud.Vision.Transformer;
using LvmCloud.Worker.Jobs;
using LvmCloud.Worker.Training;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace LvmCloud.Platform.Tests.Infrastructure;

/// <summary>
/// A training test's platform: a <see cref="PlatformHarness"/> on the collection's Azurite with the settings the
/// training tests share (a folder of the test's own for the worker's model and data caches, one job at a time, and
/// as default model either none or the tiny model bundled under <see cref="ModelsDirectory"/>), with the steps those
/// tests share: the tiny model registered or bundled, token shards of one dataset uploaded (<see cref="TrainingTestData"/>),
/// runs started (through the service, <c>POST /api/training</c> or an uploaded run.json) and waited for, and what a run
/// wrote read back (shard results, a round's base, the registered model). Disposing it stops its workers and deletes
/// its folder.
/// </summary>
internal sealed class TrainingHarness : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private readonly DirectoryInfo _temp;
    private Api? _api;

    private TrainingHarness(PlatformHarness platform, DirectoryInfo temp)
    {
        Platform = platform;
        _temp = temp;
    }

    /// <summary>The platform services (settings, storage clients, worker hosts) under this harness.</summary>
    public PlatformHarness Platform { get; }

    public StorageClients Clients => Platform.Clients;

    /// <summary>The test's own folder, deleted with the harness.</summary>
    public string Temp => _temp.FullName;

    /// <summary>The workers' local models (<c>Worker:ModelsDirectory</c>, set where the tiny model is the bundled default).</summary>
    public string ModelsDirectory => Path.Combine(Temp, "models");

    /// <summary>The workers' model cache (<c>Worker:ModelCacheDirectory</c>).</summary>
    public string ModelCacheDirectory => Path.Combine(Temp, "cache");

    /// <summary>The workers' cache of token shards (<c>Training:DataCacheDirectory</c>).</summary>
    public string DataCacheDirectory => Path.Combine(Temp, "data-cache");

    /// <summary>The dataset this test's token shards are uploaded under (<c>tokens/{Dataset}/tiny/...</c>), unique to the test.</summary>
    public string Dataset { get; } = "ds-" + Guid.NewGuid().ToString("N")[..8];

    public TrainingStateStore TrainingState => Platform.Get<TrainingStateStore>();
    public TrainingRunService Runs => Platform.Get<TrainingRunService>();

    /// <summary>The function classes over this harness's services, made on first use.</summary>
    public Api Api => _api ??= new Api(Platform);

    public T Get<T>() where T : notnull => Platform.Get<T>();

    /// <summary>
    /// The harness on <paramref name="azurite"/>, its folder named after <paramref name="name"/>. With
    /// <paramref name="bundledTiny"/> the tiny model is the default model and the workers look for it under
    /// <see cref="ModelsDirectory"/> (<see cref="BundleTinyModel"/> puts it there); without, the default model is
    /// "none". <paramref name="overrides"/> come last (a test's own settings).
    /// </summary>
    public static async Task<TrainingHarness> CreateAsync(AzuriteFixture azurite, string name, bool bundledTiny = false, Dictionary<string, string?>? overrides = null)
    {
        var temp = Directory.CreateTempSubdirectory($"lvm-training-{name}-");
        try
        {
            var settings = new Dictionary<string, string?>
            {
                ["Intake:DefaultModelName"] = bundledTiny ? TinyModel.Name : "none",
                ["Intake:DefaultModelVersion"] = bundledTiny ? TinyModel.Version : "none",
                ["Worker:ModelCacheDirectory"] = Path.Combine(temp.FullName, "cache"),
                ["Worker:Concurrency"] = "1",
                ["Training:DataCacheDirectory"] = Path.Combine(temp.FullName, "data-cache"),
            };
            if (bundledTiny)
                settings["Worker:ModelsDirectory"] = Path.Combine(temp.FullName, "models");
            foreach (var (key, value) in overrides ?? [])
                settings[key] = value;
            return new TrainingHarness(await PlatformHarness.CreateAsync(azurite, settings), temp);
        }
        catch
        {
            temp.Delete(recursive: true);
            throw;
        }
    }

    /// <summary>Saves the tiny model (weights drawn from <paramref name="seed"/>) and registers it in the models container as tiny/1; returns the saved folder.</summary>
    public async Task<string> RegisterTinyModelAsync(int seed = 0)
    {
        var folder = TinyModel.Save(Path.Combine(Temp, "saved"), seed);
        await TinyModel.UploadAsync(Clients, folder);
        return folder;
    }

    /// <summary>Saves the tiny model under <see cref="ModelsDirectory"/>, where the workers find the bundled default model; returns its folder.</summary>
    public string BundleTinyModel() => TinyModel.Save(ModelsDirectory);

    /// <summary>Uploads <paramref name="count"/> rows of 32 tokens drawn from <paramref name="seed"/> as <c>tokens/{Dataset}/tiny/{name}</c>; returns the run.json entry naming it.</summary>
    public Task<string> UploadTokensAsync(string name, int count, int seed) => UploadTokensAsync(name, TrainingTestData.Rows(count, 32, seed));

    /// <summary>Uploads <paramref name="rows"/> as <c>tokens/{Dataset}/tiny/{name}</c>; returns the run.json entry naming it.</summary>
    public Task<string> UploadTokensAsync(string name, IEnumerable<int[]> rows) => TrainingTestData.UploadTokensAsync(Clients, Dataset, name, rows);

    /// <summary>Starts a run through <see cref="TrainingRunService"/> (as the API does); returns its id.</summary>
    public async Task<string> StartRunAsync(TrainingRunSpec spec) =>
        (await Runs.StartAsync(TrainingRunSpecJson.Write(spec), CancellationToken.None)).RunId;

    /// <summary>Starts a run with <c>POST /api/training</c> through the function class, which must answer 201; returns its id.</summary>
    public async Task<string> PostRunAsync(TrainingRunSpec spec)
    {
        var request = HttpCalls.Request("POST", "/api/training", TrainingRunSpecJson.Write(spec));
        var answer = await HttpCalls.ExecuteAsync(await Api.StartTraining.Run(request, CancellationToken.None), request);
        Assert.True(answer.Status == 201, answer.Text);
        return JsonSerializer.Deserialize<TrainingRunStatus>(answer.Text, Web)!.RunId;
    }

    /// <summary>Uploads <paramref name="json"/> as run <paramref name="runId"/>'s run.json; returns the blob its trigger is called with.</summary>
    public async Task<BlobClient> UploadRunJsonAsync(string runId, string json)
    {
        var blob = Clients.Training.GetBlobClient(TrainingLayout.SpecPath(runId));
        await blob.UploadAsync(BinaryData.FromString(json));
        return blob;
    }

    /// <summary>Starts a worker host with the real model pipeline (see <see cref="PlatformHarness.StartWorkerAsync"/>).</summary>
    public Task<(IHost Host, WorkerStats Stats)> StartWorkerAsync(LogCapture? logs = null) => Platform.StartWorkerAsync(logs: logs);

    /// <summary>A worker host's services without consumers: the test runs its parts itself (stopped with the harness).</summary>
    public IHost BuildWorker(LogCapture? logs = null) => Platform.BuildWorker(logs: logs);

    /// <summary>A worker's <see cref="TransformerSource"/> and run <paramref name="runId"/> as its shard jobs read it (spec and plan).</summary>
    public async Task<(TransformerSource Transformers, RunDefinition Run)> WorkerViewAsync(string runId)
    {
        var worker = BuildWorker();
        var run = await worker.Services.GetRequiredService<RunFiles>().GetAsync(runId, CancellationToken.None);
        return (worker.Services.GetRequiredService<TransformerSource>(), run);
    }

    /// <summary>Polls the run's row until it is finished, failed or cancelled.</summary>
    public Task<RunEntity> WaitForRunAsync(string runId, TimeSpan timeout) => TrainingTestData.WaitForRunAsync(Platform, runId, timeout);

    /// <summary>Waits for the run and asserts that it finished (the message names its state and reason otherwise).</summary>
    public async Task<RunEntity> WaitForFinishedAsync(string runId, TimeSpan timeout)
    {
        var run = await WaitForRunAsync(runId, timeout);
        Assert.True(run.State == RunStates.Finished, $"{runId}: {run.State}: {run.Reason}");
        return run;
    }

    /// <summary>The folder of shard <paramref name="shard"/> of round <paramref name="round"/> in the training container.</summary>
    public BlobStore ShardFolder(string runId, int round, int shard) => new(Clients.Training, TrainingLayout.ShardPrefix(runId, round, shard));

    /// <summary>The shard's result.json.</summary>
    public async Task<ShardResult> ReadShardResultAsync(string runId, int round, int shard) =>
        JsonSerializer.Deserialize<ShardResult>(await ShardFolder(runId, round, shard).ReadAllTextAsync(TrainingLayout.ShardResultFileName), Web)!;

    /// <summary>The transformer round <paramref name="round"/> of the run starts from (its merged base), downloaded into the test's folder.</summary>
    public async Task<LlamaForCausalLM> LoadBaseAsync(string runId, int round) => LlamaForCausalLM.FromPretrained(await DownloadAsync(
        new BlobStore(Clients.Training, TrainingLayout.BasePrefix(runId, round) + TrainingLayout.BaseModelFolder), $"{runId}-base-{round}"));

    /// <summary>The registered model's transformer, downloaded into the test's folder.</summary>
    public async Task<LlamaForCausalLM> LoadRegisteredTransformerAsync(ModelReference model) => LlamaForCausalLM.FromPretrained(await DownloadAsync(
        new BlobStore(Clients.Models, $"{model.Name}/{model.Version}/transformer/"), $"registered-{model.Name}-{model.Version}"));

    /// <summary>The registered model's transformer weights file, as stored.</summary>
    public async Task<byte[]> ReadRegisteredWeightsAsync(ModelReference model) =>
        await ReadBytesAsync(Clients.ModelFiles, $"{model.Name}/{model.Version}/transformer/model.safetensors");

    /// <summary>The whole file at <paramref name="path"/> of <paramref name="store"/>.</summary>
    public static async Task<byte[]> ReadBytesAsync(IFileStore store, string path)
    {
        await using var stream = await store.OpenReadAsync(path);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    /// <summary>Downloads every file of <paramref name="store"/> into <paramref name="folder"/> of the test's folder; returns that folder.</summary>
    private async Task<string> DownloadAsync(BlobStore store, string folder)
    {
        var local = Path.Combine(Temp, folder);
        await foreach (var file in store.ListAsync())
            await store.DownloadFileAsync(file.Path, Path.Combine(local, file.Path));
        return local;
    }

    public async ValueTask DisposeAsync()
    {
        await Platform.DisposeAsync();
        _temp.Delete(recursive: true);
    }
}
