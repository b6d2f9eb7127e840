using System.CommandLine;
using System.Net;
using Azure;
using Azure.Storage.Blobs;
using LvmCloud.Cli.Commands.Platform;
using LvmCloud.Cli.Interaction;
using LvmCloud.Cli.Models;
using LvmCloud.Cli.Output;
using LvmCloud.Core.Storage;

namespace LvmCloud.Cli.Commands.Models;

/// <summary>
/// <c>lvm models pull NAME/VERSION --out DIR (--connection CS | --endpoint URL [--key K])</c>: the way back from
/// <see cref="ModelsPushCommand"/> and from a training run's registration: every file of a registered model into a new
/// local model folder (<see cref="ModelPuller"/>: parallel ranges streamed to disk, each file checked, a staging folder
/// renamed at the end). With a connection string the client reads storage itself (<see cref="StoragePullSource"/>); with
/// the API's endpoint it gets per-file read-only SAS URLs (<see cref="ApiPullSource"/>). Exactly one of the two.
/// </summary>
public sealed class ModelsPullCommand() : LvmCommand("pull", "Download a registered model into a new local model folder (parallel ranges, checked, resumable).")
{
    private readonly Argument<string> _model = new("model") { Description = "The registered model, NAME/VERSION (lvm models list shows them)." };
    private readonly Option<string> _out = new("--out") { Description = "The model folder to create (must not exist, or be empty).", Required = true };
    private readonly Option<string> _connection = new("--connection") { Description = $"The storage account's connection string (default: ${ModelStorageAccess.ConnectionVariable}); or use --endpoint." };
    private readonly Option<string> _endpoint = new("--endpoint") { Description = $"Base URL of the platform's HTTP API: pull through its per-file download URLs (default: ${PlatformCommand.EndpointVariable}); or use --connection." };
    private readonly Option<string> _key = new("--key") { Description = $"Function key for the HTTP API (default: ${PlatformCommand.KeyVariable}; none for a local host)." };
    private readonly Option<int> _rangeMiB = new("--range-mib") { Description = "Range size in MiB (one request per range).", DefaultValueFactory = _ => RangedDownload.DefaultRangeSize / (1024 * 1024) };
    private readonly Option<int> _parallel = new("--parallel") { Description = "Ranges in flight at once (each holds one range in memory).", DefaultValueFactory = _ => RangedDownload.DefaultParallelism };

    protected override void Configure(Command command)
    {
        command.Arguments.Add(_model);
        command.Options.Add(_out);
        command.Options.Add(_connection);
        command.Options.Add(_endpoint);
        command.Options.Add(_key);
        command.Options.Add(_rangeMiB);
        command.Options.Add(_parallel);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parse, CommandOutput console, CancellationToken cancellationToken)
    {
        string model = parse.GetValue(_model)!, folder = parse.GetValue(_out)!;
        var (name, version) = SplitModel(model);
        int rangeMiB = parse.GetValue(_rangeMiB), parallel = parse.GetValue(_parallel);
        if (rangeMiB is < 1 or > 256 || parallel is < 1 or > 64)
            throw new UserInputException($"--range-mib must be 1-256 (got {rangeMiB}) and --parallel 1-64 (got {parallel}).");
        var (connection, endpoint) = ModelStorageAccess.Resolve(parse.GetValue(_connection), parse.GetValue(_endpoint), "pull", "from");

        using var api = endpoint is null ? null : new PlatformApiClient(endpoint, PlatformEndpoint.ResolveKey(parse.GetValue(_key)));
        ModelBlobReader source = api is null
            ? new StoragePullSource(new BlobServiceClient(connection).GetBlobContainerClient(ModelStorageAccess.ModelsContainer), name, version)
            : new ApiPullSource(api, name, version);
        var puller = new ModelPuller(source, new RangedDownload(rangeMiB * 1024 * 1024, parallel));
        var staging = ModelPuller.StagingFolder(folder, name, version);
        try
        {
            ModelPuller.RequireEmptyOrAbsent(Path.GetFullPath(folder));
        }
        catch (IOException e)
        {
            throw new UserInputException(e.Message);
        }
        ModelPullResult result;
        try
        {
            var files = await puller.ListAsync(name, version, cancellationToken);
            long total = files.Sum(f => f.Length);
            result = await console.WithProgressAsync($"pull {name}/{version} ({total / 1e6:F1} MB)", total, reporter =>
                puller.PullAsync(name, version, folder, files, new LockedProgress(reporter), cancellationToken));
        }
        catch (ModelNotRegisteredException e)
        {
            console.Error(e.Message);
            return ExitCodes.InvalidInput;
        }
        catch (PlatformApiException e)
        {
            console.Error(e.Message);
            return e.Status is HttpStatusCode.BadRequest or HttpStatusCode.NotFound ? ExitCodes.InvalidInput : ExitCodes.Failure;
        }
        catch (HttpRequestException e)
        {
            console.Error($"Cannot reach the platform at {api?.Endpoint}: {e.Message}");
            return ExitCodes.Failure;
        }
        catch (Exception e) when (e is RequestFailedException or InvalidDataException or IOException)
        {
            console.Error($"{e.Message} The files fetched so far are kept in '{staging}': run the same command again to resume, or delete that folder.");
            return ExitCodes.Failure;
        }
        Report(result, console);
        return ExitCodes.Success;
    }

    /// <summary><c>NAME/VERSION</c>, both checked.</summary>
    private static (string Name, string Version) SplitModel(string model)
    {
        var parts = model.Split('/');
        if (parts.Length != 2)
            throw new UserInputException($"Model '{model}' is not NAME/VERSION (for example fmnist-lvm/2); lvm models list shows the registered models.");
        ModelStorageAccess.RequireValidModel(parts[0], parts[1]);
        return (parts[0], parts[1]);
    }

    private static void Report(ModelPullResult result, CommandOutput console)
    {
        if (console.JsonOutput)
        {
            console.WriteJson(result);
            return;
        }
        console.Info($"{result.Model}: {result.Files} files, {result.Bytes / 1e6:F1} MB in {result.Folder}; {result.BytesDownloaded / 1e6:F1} MB downloaded in {result.Seconds:F1} s " +
                     $"({result.BytesDownloaded / 1e6 / Math.Max(result.Seconds, 1e-3):F1} MB/s)");
        console.WriteLine(result.Folder);
    }

    /// <summary>Ranges finish on several threads; the progress display is advanced one at a time.</summary>
    private sealed class LockedProgress(IProgressReporter reporter) : IProgress<long>
    {
        private readonly Lock _gate = new();

        public void Report(long value)
        {
            lock (_gate)
                reporter.Advance(value);
        }
    }
}
