using System.CommandLine;
using System.Net;
using Azure.Storage.Blobs;
using LvmCloud.Cli.Commands.Platform;
using LvmCloud.Cli.Interaction;
using LvmCloud.Cli.Models;
using LvmCloud.Cli.Output;

namespace LvmCloud.Cli.Commands.Models;

/// <summary>
/// <c>lvm models push DIR --name N --version V (--connection CS | --endpoint URL [--key K])</c>: registers a model folder
/// in the <c>models</c> container in parallel, resumable, checksummed blocks (<see cref="ModelPusher"/>), <c>lvm.json</c>
/// last. With a connection string the client writes to storage itself (<see cref="StoragePushTarget"/>); with the API's
/// endpoint it gets per-file SAS URLs and the API commits (<see cref="ApiPushTarget"/>). Exactly one of the two.
/// </summary>
public sealed class ModelsPushCommand() : LvmCommand("push", "Register a model folder in the platform's models container (parallel resumable blocks, lvm.json last).")
{
    public const string ConnectionVariable = ModelStorageAccess.ConnectionVariable;
    private const string ModelsContainer = ModelStorageAccess.ModelsContainer;

    private readonly Argument<string> _folder = new("folder") { Description = "The model folder (tokenizer/, transformer/, lvm.json), e.g. from lvm models import." };
    private readonly Option<string> _name = new("--name") { Description = "Model name in the models container.", Required = true };
    private readonly Option<string> _version = new("--version") { Description = "Model version.", Required = true };
    private readonly Option<string> _connection = new("--connection") { Description = $"The storage account's connection string (default: ${ConnectionVariable}); or use --endpoint." };
    private readonly Option<string> _endpoint = new("--endpoint") { Description = $"Base URL of the platform's HTTP API: push through its per-file upload URLs (default: ${PlatformCommand.EndpointVariable}); or use --connection." };
    private readonly Option<string> _key = new("--key") { Description = $"Function key for the HTTP API (default: ${PlatformCommand.KeyVariable}; none for a local host)." };
    private readonly Option<int> _blockMiB = new("--block-mib") { Description = "Block size in MiB (one request per block).", DefaultValueFactory = _ => ResumableBlockUpload.DefaultBlockSize / (1024 * 1024) };
    private readonly Option<int> _parallel = new("--parallel") { Description = "Blocks in flight at once.", DefaultValueFactory = _ => ResumableBlockUpload.DefaultParallelism };

    protected override void Configure(Command command)
    {
        command.Arguments.Add(_folder);
        command.Options.Add(_name);
        command.Options.Add(_version);
        command.Options.Add(_connection);
        command.Options.Add(_endpoint);
        command.Options.Add(_key);
        command.Options.Add(_blockMiB);
        command.Options.Add(_parallel);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parse, CommandOutput console, CancellationToken cancellationToken)
    {
        string folder = parse.GetValue(_folder)!, name = parse.GetValue(_name)!, version = parse.GetValue(_version)!;
        ModelStorageAccess.RequireValidModel(name, version);
        int blockMiB = parse.GetValue(_blockMiB), parallel = parse.GetValue(_parallel);
        if (blockMiB is < 1 or > 4000 || parallel is < 1 or > 64)
            throw new UserInputException($"--block-mib must be 1-4000 (got {blockMiB}) and --parallel 1-64 (got {parallel}).");
        var (connection, endpoint) = ResolveDestination(parse);

        var files = ModelPusher.FilesOf(folder);
        long total = files.Sum(f => new FileInfo(Path.Combine(folder, f)).Length);
        using var api = endpoint is null ? null : new PlatformApiClient(endpoint, PlatformEndpoint.ResolveKey(parse.GetValue(_key)));
        IModelPushTarget target = api is null
            ? new StoragePushTarget(new BlobServiceClient(connection).GetBlobContainerClient(ModelsContainer))
            : new ApiPushTarget(api);
        var pusher = new ModelPusher(target, new ResumableBlockUpload(blockMiB * 1024 * 1024, parallel));
        ModelPushResult result;
        try
        {
            result = await console.WithProgressAsync($"push {name}/{version} ({total / 1e6:F1} MB)", total,
                reporter => pusher.PushAsync(folder, name, version, new LockedProgress(reporter), cancellationToken));
        }
        catch (InvalidOperationException e)
        {
            console.Error(e.Message);
            return ExitCodes.InvalidInput;
        }
        catch (PlatformApiException e)
        {
            console.Error(e.Message);
            return e.Status is HttpStatusCode.BadRequest or HttpStatusCode.NotFound or HttpStatusCode.Conflict ? ExitCodes.InvalidInput : ExitCodes.Failure;
        }
        catch (HttpRequestException e)
        {
            console.Error($"Cannot reach the platform at {api?.Endpoint}: {e.Message}");
            return ExitCodes.Failure;
        }
        Report(result, console);
        return ExitCodes.Success;
    }

    /// <summary>Exactly one of a connection string and an API endpoint (<see cref="ModelStorageAccess.Resolve"/>).</summary>
    private (string? Connection, Uri? Endpoint) ResolveDestination(ParseResult parse) =>
        ModelStorageAccess.Resolve(parse.GetValue(_connection), parse.GetValue(_endpoint), "push", "to");

    private static void Report(ModelPushResult result, CommandOutput console)
    {
        if (console.JsonOutput)
        {
            console.WriteJson(result);
            return;
        }
        int reused = result.Files.Values.Sum(f => f.BlocksReused), there = result.Files.Values.Count(f => f.AlreadyCommitted);
        console.Info($"{result.Model}: {result.Files.Count} files, {result.BytesSent / 1e6:F1} MB sent in {result.Seconds:F1} s " +
                     $"({result.BytesSent / 1e6 / Math.Max(result.Seconds, 1e-3):F1} MB/s); {reused} blocks resumed from an earlier run, {there} files already there");
        console.WriteLine(result.Model);
    }

    /// <summary>Blocks finish on several threads; the progress display is advanced one at a time.</summary>
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
