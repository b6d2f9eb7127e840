namespace LvmCloud.Cli.Commands.Platform;

/// <summary>Where the platform's API is and its key: the options, else <c>LVM_ENDPOINT</c> and <c>LVM_FUNCTION_KEY</c>.</summary>
public static class PlatformEndpoint
{
    /// <exception cref="UserInputException">No endpoint, or not an http(s) URL.</exception>
    public static Uri Resolve(string? option)
    {
        var value = option;
        if (string.IsNullOrWhiteSpace(value))
            value = Environment.GetEnvironmentVariable(PlatformCommand.EndpointVariable);
        if (string.IsNullOrWhiteSpace(value))
            throw new UserInputException($"No platform endpoint: pass --endpoint URL or set {PlatformCommand.EndpointVariable}.");
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new UserInputException($"--endpoint '{value}' is not an http(s) URL.");
        return uri;
    }

    public static string? ResolveKey(string? option) =>
        string.IsNullOrWhiteSpace(option) ? Environment.GetEnvironmentVariable(PlatformCommand.KeyVariable) : option;
}
