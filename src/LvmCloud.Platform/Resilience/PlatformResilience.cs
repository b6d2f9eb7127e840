using Azure;
using LvmCloud.Platform.Configuration;
using LvmCloud.Platform.State;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace LvmCloud.Platform.Resilience;

/// <summary>
/// The platform's named resilience pipelines (Polly), one per kind of operation, registered by
/// <see cref="PlatformServiceCollectionExtensions.AddLvmPlatform"/> and resolved through
/// <c>ResiliencePipelineProvider&lt;string&gt;</c>.
/// </summary>
public static class PlatformResilience
{
    /// <summary>
    /// An optimistic write that lost to another writer (<see cref="ConcurrencyConflictException"/>): read again and
    /// re-apply, quickly and many times (conflicts on a batch row are normal when many items finish at once).
    /// </summary>
    public const string StateConflict = "lvm-state-conflict";

    /// <summary>
    /// The finalizer's claimed steps (results.jsonl, status.json, the closed batch row): each idempotent, tried
    /// <see cref="FinalizerOptions.MaxAttempts"/> times, <see cref="FinalizerOptions.RetryDelay"/> apart.
    /// </summary>
    public const string FinalizeSteps = "lvm-finalize-steps";

    /// <summary>
    /// A storage call whose failure is worth riding out (a storage account restarting, a timeout): exponential
    /// back-off with jitter, for the work around a job (intake's reads and writes, the consumer's bookkeeping).
    /// The SDK's own retries run inside each try.
    /// </summary>
    public const string StorageTransient = "lvm-storage-transient";

    internal static IServiceCollection AddPlatformResilience(this IServiceCollection services)
    {
        services.AddResiliencePipeline(StateConflict, builder => builder.AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<ConcurrencyConflictException>(),
            MaxRetryAttempts = 50,
            BackoffType = DelayBackoffType.Exponential,
            Delay = TimeSpan.FromMilliseconds(5),
            MaxDelay = TimeSpan.FromMilliseconds(250),
            UseJitter = true,
        }));
        services.AddResiliencePipeline(FinalizeSteps, (builder, context) =>
        {
            var options = context.ServiceProvider.GetRequiredService<IOptions<FinalizerOptions>>().Value;
            if (options.MaxAttempts > 1)
                builder.AddRetry(new RetryStrategyOptions
                {
                    ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not OperationCanceledException),
                    MaxRetryAttempts = options.MaxAttempts - 1,
                    BackoffType = DelayBackoffType.Constant,
                    Delay = options.RetryDelay,
                });
        });
        services.AddResiliencePipeline(StorageTransient, builder => builder.AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<RequestFailedException>(IsTransient).Handle<HttpRequestException>(),
            MaxRetryAttempts = 6,
            BackoffType = DelayBackoffType.Exponential,
            Delay = TimeSpan.FromMilliseconds(200),
            MaxDelay = TimeSpan.FromSeconds(10),
            UseJitter = true,
        }));
        return services;
    }

    /// <summary>Storage answers worth trying again: no answer at all, a timeout, throttling, a server error.</summary>
    public static bool IsTransient(RequestFailedException e) => e.Status is 0 or 408 or 429 or >= 500;
}
