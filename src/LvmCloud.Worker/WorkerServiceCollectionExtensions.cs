using LvmCloud.Platform;
using LvmCloud.Worker.Processing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LvmCloud.Worker;

public static class WorkerServiceCollectionExtensions
{
    /// <summary>
    /// The queue worker and the platform services it uses. The model pipeline is an
    /// <see cref="Completion.IBatchItemCompleter"/> the caller registers.
    /// </summary>
    public static IServiceCollection AddLvmWorker(this IServiceCollection services)
    {
        services.AddLvmPlatform();
        services.AddOptions<WorkerOptions>()
            .BindConfiguration(WorkerOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton<WorkerStats>();
        services.TryAddSingleton<GenerateJobProcessor>();
        services.TryAddSingleton<Completion.IBatchItemCompleter, Completion.PipelineNotWiredCompleter>();
        services.AddHostedService<GenerateQueueWorker>();
        return services;
    }
}
