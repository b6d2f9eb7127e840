using LvmCloud.Platform.Batches;
using LvmCloud.Platform.Configuration;
using LvmCloud.Platform.Datasets;
using LvmCloud.Platform.Intake;
using LvmCloud.Platform.Models;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Resilience;
using LvmCloud.Platform.State;
using LvmCloud.Platform.Storage;
using LvmCloud.Platform.Training;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LvmCloud.Platform;

public static class PlatformServiceCollectionExtensions
{
    /// <summary>
    /// Storage clients, job state and the batch services, with options bound from <c>Storage</c>,
    /// <c>Intake</c>, <c>Finalizer</c> and <c>Tokenize</c> and validated at start. A plain value at <c>Storage</c> is taken as its connection
    /// string (the Functions convention for a connection named "Storage").
    /// </summary>
    public static IServiceCollection AddLvmPlatform(this IServiceCollection services)
    {
        services.AddOptions<StorageOptions>()
            .BindConfiguration(StorageOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<IPostConfigureOptions<StorageOptions>, StorageConnectionStringFallback>();
        services.AddOptions<IntakeOptions>()
            .BindConfiguration(IntakeOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<FinalizerOptions>()
            .BindConfiguration(FinalizerOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<TokenizeOptions>()
            .BindConfiguration(TokenizeOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddPlatformResilience();
        services.Configure<LoggerFilterOptions>(o => o.AddFilter("Polly", LogLevel.Error)); // each retry of a conflict is routine
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new StorageClients(sp.GetRequiredService<IOptions<StorageOptions>>().Value));
        services.TryAddSingleton<JobStateStore>();
        services.TryAddSingleton<JobPublisher>();
        services.TryAddSingleton<SasIssuer>();
        services.TryAddSingleton<BatchFinalizer>();
        services.TryAddSingleton<BatchCreationService>();
        services.TryAddSingleton<BatchQueryService>();
        services.TryAddSingleton<BatchCancellationService>();
        services.TryAddSingleton<GalleryService>();
        services.TryAddSingleton<InputImageCheck>();
        services.TryAddSingleton<BatchIntakeService>();
        services.TryAddSingleton<TokenizeStateStore>();
        services.TryAddSingleton<TokenizerIdentity>();
        services.TryAddSingleton<TokenizeRunFinalizer>();
        services.TryAddSingleton<TokenizePlanner>();
        services.TryAddSingleton<TokenizeScheduler>();
        services.TryAddSingleton<DatasetQueryService>();
        services.TryAddSingleton<DatasetUploadService>();
        services.TryAddSingleton<ModelRegistry>();
        services.TryAddSingleton<ModelUploadService>();
        services.TryAddSingleton<ModelDownloadService>();
        services.TryAddSingleton<TrainingStateStore>();
        services.TryAddSingleton<TrainingRounds>();
        services.TryAddSingleton<TrainingDataResolver>();
        services.TryAddSingleton<TrainingRunService>();
        services.AddHostedService<StorageInitializer>();
        return services;
    }

    private sealed class StorageConnectionStringFallback(IConfiguration configuration) : IPostConfigureOptions<StorageOptions>
    {
        public void PostConfigure(string? name, StorageOptions options)
        {
            if (string.IsNullOrWhiteSpace(options.ConnectionString) && configuration[StorageOptions.Section] is { Length: > 0 } value)
                options.ConnectionString = value;
        }
    }
}
