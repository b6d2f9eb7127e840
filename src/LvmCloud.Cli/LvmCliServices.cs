using System.CommandLine;
using LvmCloud.Cli.Commands;
using LvmCloud.Cli.Commands.Models;
using LvmCloud.Cli.Commands.Platform;
using LvmCloud.Cli.Commands.Platform.Batches;
using LvmCloud.Cli.Commands.Platform.Datasets;
using LvmCloud.Cli.Commands.Platform.Runs;
using LvmCloud.Cli.Commands.Training;
using LvmCloud.Cli.Interaction;
using LvmCloud.Cli.Output;
using Microsoft.Extensions.DependencyInjection;

namespace LvmCloud.Cli;

/// <summary>The CLI's services: every command (built by the container, groups receiving their sub-commands), the output service's factory and the platform API client's.</summary>
public static class LvmCliServices
{
    /// <summary>Registers the command tree; <paramref name="consoleFactory"/> opens the console of each invocation.</summary>
    public static IServiceCollection AddLvmCli(this IServiceCollection services, Func<ParseResult, IConsoleInteraction> consoleFactory)
    {
        services.AddSingleton(new CommandOutputFactory(consoleFactory));
        services.AddSingleton<IPlatformApiClientFactory, PlatformApiClientFactory>();
        services.AddSingleton<LvmCommandTree>();

        // The groups and their sub-commands.
        foreach (var type in new[]
        {
            typeof(BatchesCommand), typeof(BatchesSubmitCommand), typeof(BatchesStatusCommand), typeof(BatchesWaitCommand), typeof(BatchesFetchCommand),
            typeof(BatchesCancelCommand), typeof(BatchesListCommand),
            typeof(DatasetsCommand), typeof(DatasetsUploadCommand), typeof(DatasetsStatusCommand), typeof(DatasetsTokenizeCommand),
            typeof(DatasetsFetchTokensCommand), typeof(DatasetsListCommand),
            typeof(RunsCommand), typeof(RunsSubmitCommand), typeof(RunsStatusCommand), typeof(RunsWaitCommand), typeof(RunsCancelCommand), typeof(RunsResumeCommand), typeof(RunsListCommand),
            typeof(ModelsCommand), typeof(ModelsListCommand), typeof(ModelsPlanCommand), typeof(ModelsImportCommand), typeof(ModelsPushCommand), typeof(ModelsPullCommand), typeof(ModelsPresetsCommand),
        })
            services.AddSingleton(type);

        // The local commands, in the order help lists them.
        foreach (var type in new[]
        {
            typeof(CompleteCommand), typeof(GenerateCommand), typeof(TokenizeCommand), typeof(DetokenizeCommand), typeof(PerplexityCommand),
            typeof(FashionMnistDatasetCommand), typeof(TrainTokenizerCommand), typeof(TokenizeDatasetCommand), typeof(TrainCommand),
            typeof(AssembleModelCommand), typeof(EvalCommand),
        })
            services.AddSingleton(type);
        return services;
    }
}
