using System.Net;

namespace LvmCloud.Cli.Commands.Platform;

/// <summary>The platform's HTTP API answered with an error; the message carries its problem+json detail.</summary>
public sealed class PlatformApiException(HttpStatusCode status, string message) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;
}
