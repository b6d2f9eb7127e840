namespace LvmCloud.Cli.Commands.Platform;

/// <summary>A new <see cref="PlatformApiClient"/> over its own <see cref="HttpClient"/> per command.</summary>
public sealed class PlatformApiClientFactory : IPlatformApiClientFactory
{
    public PlatformApiClient Create(Uri endpoint, string? functionKey) => new(endpoint, functionKey);
}
