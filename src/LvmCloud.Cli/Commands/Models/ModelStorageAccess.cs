using LvmCloud.Cli.Commands.Platform;

namespace LvmCloud.Cli.Commands.Models;

/// <summary>
/// How <c>lvm models push</c> and <c>lvm models pull</c> reach the <c>models</c> container: exactly one of a connection
/// string (straight to storage) and the platform API's endpoint (per-file SAS URLs). An option given wins over the
/// variables; with no option, the one variable set (<c>LVM_STORAGE_CONNECTION</c> or <c>LVM_ENDPOINT</c>) is used, and
/// both set is refused.
/// </summary>
public static class ModelStorageAccess
{
    public const string ConnectionVariable = "LVM_STORAGE_CONNECTION";
    public const string ModelsContainer = "models";

    /// <param name="connection">The <c>--connection</c> value, if given.</param>
    /// <param name="endpoint">The <c>--endpoint</c> value, if given.</param>
    /// <param name="verb">What the command does, for the messages: "push" or "pull".</param>
    /// <param name="where">The messages' "to" or "from".</param>
    /// <exception cref="UserInputException">Both or neither given.</exception>
    public static (string? Connection, Uri? Endpoint) Resolve(string? connection, string? endpoint, string verb, string where)
    {
        if (!string.IsNullOrWhiteSpace(connection) && !string.IsNullOrWhiteSpace(endpoint))
            throw new UserInputException("Pass either --connection (straight to storage) or --endpoint (through the platform's API), not both.");
        if (!string.IsNullOrWhiteSpace(connection))
            return (connection, null);
        if (!string.IsNullOrWhiteSpace(endpoint))
            return (null, PlatformEndpoint.Resolve(endpoint));
        connection = Environment.GetEnvironmentVariable(ConnectionVariable);
        endpoint = Environment.GetEnvironmentVariable(PlatformCommand.EndpointVariable);
        return (string.IsNullOrWhiteSpace(connection), string.IsNullOrWhiteSpace(endpoint)) switch
        {
            (false, false) => throw new UserInputException($"Both {ConnectionVariable} and {PlatformCommand.EndpointVariable} are set: pass --connection or --endpoint to say where to {verb}."),
            (false, true) => (connection, null),
            (true, false) => (null, PlatformEndpoint.Resolve(endpoint)),
            _ => throw new UserInputException($"No place to {verb} {where}: pass --endpoint URL (the platform's API; or set {PlatformCommand.EndpointVariable}) or --connection CONNECTION_STRING (the storage account; or set {ConnectionVariable})."),
        };
    }

    private static readonly System.Text.RegularExpressions.Regex Segment = new("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$");

    /// <summary>Refuses a model name or version that is not 1-64 characters of A-Z a-z 0-9 . _ - (or holds "..").</summary>
    /// <exception cref="UserInputException">Not valid.</exception>
    public static void RequireValidModel(string name, string version)
    {
        if (!Segment.IsMatch(name) || !Segment.IsMatch(version) || name.Contains("..") || version.Contains(".."))
            throw new UserInputException($"Model '{name}/{version}' is not valid: name and version are 1-64 characters of A-Z a-z 0-9 . _ -.");
    }
}
