using LvmCloud.Platform.Queues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LvmCloud.Worker.Training;

public static class TrainingServiceCollectionExtensions
{
    /// <summary>
    /// The <c>train-shard</c> kind: its handler and consumer, the merge, the model registration, and the
    /// <c>Training</c> options (validated at start).
    /// </summary>
    public static IServiceCollection AddLvmTraining(this IServiceCollection services)
    {
        services.AddOptions<TrainingWorkerOptions>()
            .BindConfiguration(TrainingWorkerOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddHostedService<TorchThreads>();
        services.TryAddSingleton<RunFiles>();
        services.TryAddSingleton<TrainingData>();
        services.TryAddSingleton<TransformerSource>();
        services.TryAddSingleton<ModelRegistrar>();
        services.TryAddSingleton<RoundOuterStep>();
        services.TryAddSingleton<RoundMerger>();
        services.TryAddSingleton<ShardOwnership>();
        services.TryAddSingleton<ShardBookkeeping>();
        services.TryAddSingleton<ShardTrainer>();
        services.AddJobHandler<TrainShardPayload, TrainShardJobHandler>();
        return services;
    }
}
