using LvmCloud.Platform;
using LvmCloud.Platform.Queues;
using LvmCloud.Worker.Generate;
using LvmCloud.Worker.Jobs;
using LvmCloud.Worker.Training;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace LvmCloud.Worker;

public static class WorkerServiceCollectionExtensions
{
    /// <summary>
    /// The queue worker: the platform services, one <see cref="QueueConsumer"/> per job kind (each serving its
    /// queue when <c>Worker:Queues</c> names it, or names nothing), and the handlers. Models come from the
    /// <see cref="Completion.IModelSource"/> registered first: <see cref="AddLvmModels"/> unless the caller
    /// registered another one.
    /// </summary>
    public static IServiceCollection AddLvmWorker(this IServiceCollection services)
    {
        services.AddLvmPlatform();
        services.AddOptions<WorkerOptions>()
            .BindConfiguration(WorkerOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<WorkerOptions>, ServedQueuesValidation>();
        services.AddSingleton<IValidateOptions<WorkerOptions>, Completion.WorkerDeviceValidation>();
        services.TryAddSingleton<WorkerStats>();
        services.AddLvmModels();
        services.TryAddSingleton<Tokenize.TokenizerCache>();
        services.AddOptions<GenerationBatchOptions>()
            .BindConfiguration(GenerationBatchOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton<GenerationBatcher>();
        services.TryAddSingleton<GenerateItemRecords>();
        services.AddJobHandler<GeneratePayload, GenerateJobHandler>();
        services.AddJobHandler<TokenizePayload, Tokenize.TokenizeJobHandler>();
        services.AddLvmTraining();
        return services;
    }

    /// <summary>
    /// Registers a job kind: its handler and a consumer for its queue. Adding a kind is a payload record
    /// (<see cref="IJobPayload"/>), a handler (<see cref="IJobHandler{TPayload}"/>) and this call.
    /// </summary>
    public static IServiceCollection AddJobHandler<TPayload, THandler>(this IServiceCollection services)
        where TPayload : IJobPayload
        where THandler : class, IJobHandler<TPayload>
    {
        services.TryAddSingleton<THandler>();
        services.AddSingleton(new RegisteredJobKind(TPayload.Kind));
        services.AddSingleton<IJobKind>(sp => new JobKind<TPayload>(sp.GetRequiredService<THandler>()));
        services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<QueueConsumer>(
            sp, sp.GetServices<IJobKind>().First(k => k.Kind == TPayload.Kind)));
        return services;
    }

    /// <summary>
    /// The real models: <see cref="Completion.ModelCache"/> (from <c>Worker:ModelsDirectory</c> or the <c>models</c>
    /// container, each loaded once). Call before <see cref="AddLvmWorker"/>.
    /// </summary>
    public static IServiceCollection AddLvmModels(this IServiceCollection services)
    {
        services.TryAddSingleton<Completion.ModelCache>();
        services.TryAddSingleton<Completion.IModelSource>(sp => sp.GetRequiredService<Completion.ModelCache>());
        return services;
    }

    /// <summary><c>Worker:Queues</c> may only name kinds this worker has a handler for.</summary>
    /// <remarks>It takes the kinds' names, not the kinds: a handler depends on the options it validates.</remarks>
    private sealed class ServedQueuesValidation(IEnumerable<RegisteredJobKind> kinds) : IValidateOptions<WorkerOptions>
    {
        public ValidateOptionsResult Validate(string? name, WorkerOptions options)
        {
            var known = kinds.Select(k => k.Kind).ToHashSet(StringComparer.Ordinal);
            var unknown = options.ServedKinds().Where(k => !known.Contains(k)).ToList();
            return unknown.Count == 0
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail($"Worker:Queues names {string.Join(", ", unknown.Select(k => $"'{k}'"))}, for which this worker has no handler (it has: {string.Join(", ", known.Order())}).");
        }
    }

    /// <summary>The name of a job kind this worker has a handler for.</summary>
    private sealed record RegisteredJobKind(string Kind);
}
