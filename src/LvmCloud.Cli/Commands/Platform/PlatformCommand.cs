using System.CommandLine;
using System.Net;
using LvmCloud.Cli.Output;

namespace LvmCloud.Cli.Commands.Platform;

/// <summary>
/// A command that talks to a deployed platform (or the local stack): adds <c>--endpoint</c> and <c>--key</c>
/// (defaults from <c>LVM_ENDPOINT</c> and <c>LVM_FUNCTION_KEY</c>) and reports API errors as one line. The API client
/// comes from <paramref name="apis"/> (dependency injection), the output service from the command's invocation.
/// </summary>
public abstract class PlatformCommand(IPlatformApiClientFactory apis, string name, string description) : LvmCommand(name, description)
{
    public const string EndpointVariable = "LVM_ENDPOINT";
    public const string KeyVariable = "LVM_FUNCTION_KEY";

    private readonly Option<string> _endpoint = new("--endpoint")
    {
        Description = $"Base URL of the platform's HTTP API, e.g. http://localhost:7071 (default: ${EndpointVariable}).",
    };

    private readonly Option<string> _key = new("--key")
    {
        Description = $"Function key for the HTTP API (default: ${KeyVariable}; none for a local host).",
    };

    protected sealed override void Configure(Command command)
    {
        command.Options.Add(_endpoint);
        command.Options.Add(_key);
        ConfigureCommand(command);
    }

    /// <summary>Adds the command's own arguments and options.</summary>
    protected abstract void ConfigureCommand(Command command);

    /// <summary>Runs the command against the API.</summary>
    protected abstract Task<int> ExecuteAsync(ParseResult parse, PlatformApiClient api, CommandOutput console, CancellationToken cancellationToken);

    protected sealed override async Task<int> ExecuteAsync(ParseResult parse, CommandOutput console, CancellationToken cancellationToken)
    {
        using var api = apis.Create(ResolveEndpoint(parse), ResolveKey(parse));
        try
        {
            return await ExecuteAsync(parse, api, console, cancellationToken);
        }
        catch (PlatformApiException e)
        {
            console.Error(e.Message);
            return e.Status is HttpStatusCode.BadRequest or HttpStatusCode.NotFound ? ExitCodes.InvalidInput : ExitCodes.Failure;
        }
        catch (HttpRequestException e)
        {
            console.Error($"Cannot reach the platform at {api.Endpoint}: {e.Message}");
            return ExitCodes.Failure;
        }
    }

    private Uri ResolveEndpoint(ParseResult parse) => PlatformEndpoint.Resolve(parse.GetValue(_endpoint));

    private string? ResolveKey(ParseResult parse) => PlatformEndpoint.ResolveKey(parse.GetValue(_key));

    /// <summary>
    /// Exit code for a batch that ended: <see cref="ExitCodes.SomeItemsFailed"/> when any item failed, else success
    /// (whatever the state is called: a cancel that came after every item finished leaves nothing failed).
    /// </summary>
    protected static int ExitCodeFor(BatchStatusView status) =>
        status.Count("failed") == 0 ? ExitCodes.Success : ExitCodes.SomeItemsFailed;
}
