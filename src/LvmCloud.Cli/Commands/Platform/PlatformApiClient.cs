using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace LvmCloud.Cli.Commands.Platform;

/// <summary>
/// The platform's HTTP API (the Functions app) over <see cref="HttpClient"/>. The function key goes in the
/// <c>x-functions-key</c> header; error answers become <see cref="PlatformApiException"/> with the server's detail.
/// </summary>
public sealed class PlatformApiClient : IDisposable
{
    public const string KeyHeader = "x-functions-key";
    private static readonly JsonSerializerOptions Json = LvmCloud.Core.Json.ApiJson.Options;
    private readonly HttpClient _http;

    public PlatformApiClient(Uri endpoint, string? functionKey, TimeSpan? timeout = null)
    {
        Endpoint = endpoint;
        _http = new HttpClient { BaseAddress = ApiRoot(endpoint), Timeout = timeout ?? TimeSpan.FromMinutes(2) };
        if (!string.IsNullOrEmpty(functionKey))
            _http.DefaultRequestHeaders.Add(KeyHeader, functionKey);
    }

    public Uri Endpoint { get; }

    public Task<UploadGrant> CreateBatchAsync(IReadOnlyList<string> files, CancellationToken cancellationToken) =>
        SendAsync<UploadGrant>(HttpMethod.Post, "batches", JsonContent.Create(new { files }, options: Json), cancellationToken);

    /// <summary>A batch on a registered model (<paramref name="modelName"/>/<paramref name="modelVersion"/>) instead of the platform's default.</summary>
    public Task<UploadGrant> CreateBatchAsync(IReadOnlyList<string> files, string modelName, string modelVersion, CancellationToken cancellationToken) =>
        SendAsync<UploadGrant>(HttpMethod.Post, "batches", JsonContent.Create(new { files, model = new { name = modelName, version = modelVersion } }, options: Json), cancellationToken);

    /// <summary><c>POST /api/batches/{batchId}/uploads</c>: upload URLs for a further page of the batch's files, before its manifest is up.</summary>
    public Task<UploadGrant> AddBatchUploadsAsync(string batchId, IReadOnlyList<string> files, CancellationToken cancellationToken) =>
        SendAsync<UploadGrant>(HttpMethod.Post, $"batches/{Uri.EscapeDataString(batchId)}/uploads", JsonContent.Create(new { files }, options: Json), cancellationToken);

    /// <summary><c>POST /api/training</c> with a run.json as the body.</summary>
    public Task<TrainingRunView> StartTrainingAsync(string runJson, CancellationToken cancellationToken) =>
        SendAsync<TrainingRunView>(HttpMethod.Post, "training", new StringContent(runJson, System.Text.Encoding.UTF8, "application/json"), cancellationToken);

    public Task<TrainingUploadGrantView> CreateTrainingUploadsAsync(IReadOnlyList<string> files, CancellationToken cancellationToken) =>
        SendAsync<TrainingUploadGrantView>(HttpMethod.Post, "training/uploads", JsonContent.Create(new { files }, options: Json), cancellationToken);

    public Task<TrainingRunView> GetTrainingAsync(string runId, CancellationToken cancellationToken) =>
        SendAsync<TrainingRunView>(HttpMethod.Get, $"training/{Uri.EscapeDataString(runId)}", null, cancellationToken);

    /// <summary>One page of the training runs, newest first.</summary>
    public Task<TrainingRunListView> ListTrainingAsync(int? pageSize, string? continuationToken, CancellationToken cancellationToken) =>
        SendAsync<TrainingRunListView>(HttpMethod.Get, $"training{Query(("pageSize", pageSize?.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("continuationToken", continuationToken))}", null, cancellationToken);

    public Task<TrainingRunView> CancelTrainingAsync(string runId, CancellationToken cancellationToken) =>
        SendAsync<TrainingRunView>(HttpMethod.Post, $"training/{Uri.EscapeDataString(runId)}/cancel", null, cancellationToken);

    public Task<TrainingRunView> ResumeTrainingAsync(string runId, CancellationToken cancellationToken) =>
        SendAsync<TrainingRunView>(HttpMethod.Post, $"training/{Uri.EscapeDataString(runId)}/resume", null, cancellationToken);

    /// <summary><c>POST /api/models/{name}/{version}/uploads</c>: SAS URLs for <paramref name="files"/> (path and size, at most 100).</summary>
    public Task<ModelUploadGrantView> CreateModelUploadsAsync(string name, string version, IEnumerable<(string Path, long Size)> files, CancellationToken cancellationToken) =>
        SendAsync<ModelUploadGrantView>(HttpMethod.Post, $"models/{Uri.EscapeDataString(name)}/{Uri.EscapeDataString(version)}/uploads",
            JsonContent.Create(new { files = files.Select(f => new { path = f.Path, size = f.Size }) }, options: Json), cancellationToken);

    /// <summary><c>POST /api/models/{name}/{version}/commit</c>: registers the model once every file is checked in storage.</summary>
    public Task<ModelCommitView> CommitModelAsync(string name, string version, System.Text.Json.Nodes.JsonObject settings,
        IEnumerable<(string Path, long Size, string Sha256)> files, CancellationToken cancellationToken) =>
        SendAsync<ModelCommitView>(HttpMethod.Post, $"models/{Uri.EscapeDataString(name)}/{Uri.EscapeDataString(version)}/commit",
            JsonContent.Create(new { settings, files = files.Select(f => new { path = f.Path, size = f.Size, sha256 = f.Sha256 }) }, options: Json), cancellationToken);

    /// <summary><c>POST /api/models/{name}/{version}/downloads</c>: read-only SAS URLs for every file of a registered model (404 when it is not).</summary>
    public Task<ModelDownloadGrantView> CreateModelDownloadsAsync(string name, string version, CancellationToken cancellationToken) =>
        SendAsync<ModelDownloadGrantView>(HttpMethod.Post, $"models/{Uri.EscapeDataString(name)}/{Uri.EscapeDataString(version)}/downloads", null, cancellationToken);

    public Task<ModelListView> ListModelsAsync(CancellationToken cancellationToken) =>
        SendAsync<ModelListView>(HttpMethod.Get, "models", null, cancellationToken);

    /// <summary><c>POST /api/batches/{batchId}/cancel</c>: the batch's summary after the cancel (state and counts, no items).</summary>
    public Task<BatchSummaryView> CancelBatchAsync(string batchId, CancellationToken cancellationToken) =>
        SendAsync<BatchSummaryView>(HttpMethod.Post, $"batches/{Uri.EscapeDataString(batchId)}/cancel", null, cancellationToken);

    /// <param name="itemState">Only items in this state (e.g. <c>failed</c>) on the page.</param>
    /// <param name="pageSize">Items on the page (the counts always cover the whole batch).</param>
    public Task<BatchStatusView> GetStatusAsync(string batchId, CancellationToken cancellationToken, string? itemState = null, int? pageSize = null, string? continuationToken = null) =>
        SendAsync<BatchStatusView>(HttpMethod.Get, $"batches/{Uri.EscapeDataString(batchId)}{Query(("state", itemState), ("pageSize", pageSize?.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("continuationToken", continuationToken))}", null, cancellationToken);

    /// <summary>One page of the batches, newest first.</summary>
    public Task<BatchListView> ListBatchesAsync(int? pageSize, string? continuationToken, CancellationToken cancellationToken) =>
        SendAsync<BatchListView>(HttpMethod.Get, $"batches{Query(("pageSize", pageSize?.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("continuationToken", continuationToken))}", null, cancellationToken);

    private static string Query(params (string Name, string? Value)[] parameters)
    {
        var given = parameters.Where(p => !string.IsNullOrEmpty(p.Value)).Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value!)}").ToList();
        return given.Count == 0 ? "" : "?" + string.Join('&', given);
    }

    public Task<Datasets.DatasetUploadGrantView> CreateDatasetUploadAsync(string dataset, IReadOnlyList<Datasets.DatasetUploadFileView> files, CancellationToken cancellationToken) =>
        SendAsync<Datasets.DatasetUploadGrantView>(HttpMethod.Post, $"datasets/{Uri.EscapeDataString(dataset)}/uploads", JsonContent.Create(new { files }, options: Json), cancellationToken);

    /// <param name="tokenizer"><c>name/version</c>, or null for the platform's default tokenizer.</param>
    public Task<Datasets.TokenizePlanView> TokenizeDatasetAsync(string dataset, bool force, string? tokenizer, CancellationToken cancellationToken) =>
        SendAsync<Datasets.TokenizePlanView>(HttpMethod.Post, $"datasets/{Uri.EscapeDataString(dataset)}/tokenize", JsonContent.Create(new { force, tokenizer }, options: Json), cancellationToken);

    public Task<Datasets.DatasetStatusView> GetDatasetAsync(string dataset, CancellationToken cancellationToken) =>
        SendAsync<Datasets.DatasetStatusView>(HttpMethod.Get, $"datasets/{Uri.EscapeDataString(dataset)}", null, cancellationToken);

    public Task<Datasets.DatasetListView> ListDatasetsAsync(CancellationToken cancellationToken) =>
        SendAsync<Datasets.DatasetListView>(HttpMethod.Get, "datasets", null, cancellationToken);

    /// <param name="tokenizer">A tokenizer id or <c>name/version</c>; null for the default tokenizer's latest shards.</param>
    public Task<Datasets.DatasetTokensView> GetDatasetTokensAsync(string dataset, string? tokenizer, CancellationToken cancellationToken) =>
        SendAsync<Datasets.DatasetTokensView>(HttpMethod.Get, $"datasets/{Uri.EscapeDataString(dataset)}/tokens{Query(("tokenizer", tokenizer))}", null, cancellationToken);

    public Task<BatchResultsView> GetResultsAsync(string batchId, CancellationToken cancellationToken) =>
        SendAsync<BatchResultsView>(HttpMethod.Get, $"batches/{Uri.EscapeDataString(batchId)}/results", null, cancellationToken);

    /// <summary>Downloads an output file (an absolute URL from the results) into <paramref name="path"/>.</summary>
    public async Task DownloadAsync(Uri url, string path, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await EnsureSuccessAsync(response, url, cancellationToken);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var partial = path + ".part";
        await using (var file = File.Create(partial))
            await response.Content.CopyToAsync(file, cancellationToken);
        File.Move(partial, path, overwrite: true);
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string relative, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, relative) { Content = content };
        using var response = await _http.SendAsync(request, cancellationToken);
        await EnsureSuccessAsync(response, request.RequestUri!, cancellationToken);
        return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken)
            ?? throw new PlatformApiException(response.StatusCode, $"{method} {request.RequestUri} answered an empty body.");
    }

    private async Task EnsureSuccessAsync(HttpResponseMessage response, Uri requestUri, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
            return;
        var uri = requestUri.IsAbsoluteUri ? requestUri : new Uri(_http.BaseAddress!, requestUri);
        var where = $"{response.RequestMessage?.Method} {uri.GetLeftPart(UriPartial.Path)}";
        string detail;
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            var problem = text.Length == 0 ? null : JsonSerializer.Deserialize<ProblemView>(text, Json);
            detail = problem?.Detail ?? problem?.Title ?? text;
        }
        catch (JsonException)
        {
            detail = text;
        }
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden && detail.Length == 0)
            detail = "the function key is missing or wrong (pass --key or set LVM_FUNCTION_KEY)";
        throw new PlatformApiException(response.StatusCode, $"{where} answered {(int)response.StatusCode} {response.ReasonPhrase}: {(detail.Length == 0 ? "no detail" : detail)}");
    }

    /// <summary><c>{endpoint}/api/</c>, accepting an endpoint given with or without the <c>/api</c> suffix.</summary>
    public static Uri ApiRoot(Uri endpoint)
    {
        var path = endpoint.AbsolutePath.TrimEnd('/');
        if (!path.EndsWith("/api", StringComparison.OrdinalIgnoreCase))
            path += "/api";
        return new UriBuilder(endpoint) { Path = path + "/", Query = "" }.Uri;
    }

    public void Dispose() => _http.Dispose();
}
