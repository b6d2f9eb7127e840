using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace LvmCloud.Platform.Tests.Infrastructure;

/// <summary>
/// Makes the first <see cref="Faults"/> storage requests that match fail, the way a storage call fails on a
/// loaded machine: either before the request is sent, or after the service applied it but before the reply
/// arrived (a timed-out call whose write landed). Added per call, ahead of the SDK's own retries, so the
/// caller sees the failure. Azurite cannot be made to fail one chosen call, which is why the tests inject it
/// in the client pipeline.
/// </summary>
public sealed class FaultInjectionPolicy(Func<HttpMessage, bool> matches, int faults, bool afterSend) : HttpPipelinePolicy
{
    private int _matched;

    public int Faults { get; } = faults;
    /// <summary>How many faults were injected so far.</summary>
    public int Injected => Math.Min(Volatile.Read(ref _matched), Faults);
    /// <summary>How many requests matched so far (with no faults: a counter of those requests).</summary>
    public int Matched => Volatile.Read(ref _matched);

    /// <summary>Matches blob uploads (PUT) of a blob whose name ends with <paramref name="name"/>.</summary>
    public static Func<HttpMessage, bool> PutOf(string name) =>
        m => m.Request.Method == RequestMethod.Put && m.Request.Uri.Path.EndsWith("/" + name, StringComparison.Ordinal);

    public void Configure(ClientOptions options) => options.AddPolicy(this, HttpPipelinePosition.PerCall);

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        ProcessAsync(message, pipeline).AsTask().GetAwaiter().GetResult();

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        if (!matches(message) || Interlocked.Increment(ref _matched) > Faults)
        {
            await ProcessNextAsync(message, pipeline);
            return;
        }
        if (afterSend)
            await ProcessNextAsync(message, pipeline);
        throw new RequestFailedException(afterSend ? "Injected fault: the reply was lost." : "Injected fault: the request failed.");
    }
}
