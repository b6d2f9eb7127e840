using LvmCloud.Platform;
using LvmCloud.Worker.Processing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LvmCloud.Worker;

public static class WorkerServiceCollectionExtensions
{
    /// <summary>
    /// The queue worker and the platform services it uses. The model pipeline is the
    /// <see cref="Completion.IBatchItemCompleter"/> registered first: <see cref="AddLvmModelCompleter"/> unless the
    /// caller registered another one.
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
        services.AddLvmModelCompleter();
        services.AddHostedService<GenerateQueueWorker>();
        return services;
    }

    /// <summary>
    /// The real model pipeline: <see cref="Completion.ModelCompleter"/> over models loaded once by
    /// <see cref="Completion.ModelStore"/> (from <c>Worker:ModelsDirectory</c> or the <c>models</c> container).
    /// Call before <see cref="AddLvmWorker"/>.
    /// </summary>
    public static IServiceCollection AddLvmModelCompleter(this IServiceCollection services)
    {
        services.TryAddSingleton<Completion.ModelStore>();
        services.TryAddSingleton<Completion.IBatchItemCompleter, Completion.ModelCompleter>();
        return services;
    }
}
