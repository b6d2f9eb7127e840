namespace LvmCloud.Cli.Commands.Platform;

/// <summary>Opens a <see cref="PlatformApiClient"/> for an endpoint and key (the platform commands get it by dependency injection).</summary>
public interface IPlatformApiClientFactory
{
    PlatformApiClient Create(Uri endpoint, string? functionKey);
}
