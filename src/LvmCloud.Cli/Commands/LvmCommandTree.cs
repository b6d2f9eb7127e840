using System.CommandLine;
using LvmCloud.Cli.Commands.Platform.Batches;
using LvmCloud.Cli.Commands.Platform.Datasets;
using LvmCloud.Cli.Commands.Platform.Runs;
using LvmCloud.Cli.Commands.Training;

namespace LvmCloud.Cli.Commands;

/// <summary>
/// The <c>lvm</c> command tree: the platform's <c>noun verb</c> groups (<c>batches</c>, <c>datasets</c>, <c>runs</c>,
/// <c>models</c>), the local commands, and the old flat names (<c>submit</c>, <c>train-status</c>, ...) as hidden
/// aliases of their new places, kept for one release.
/// </summary>
public sealed class LvmCommandTree(
    BatchesCommand batches, DatasetsCommand datasets, RunsCommand runs, ModelsCommand models,
    CompleteCommand complete, GenerateCommand generate, TokenizeCommand tokenize, DetokenizeCommand detokenize, PerplexityCommand perplexity,
    FashionMnistDatasetCommand fashionMnist, TrainTokenizerCommand trainTokenizer, TokenizeDatasetCommand tokenizeDataset, TrainCommand train,
    AssembleModelCommand assembleModel, EvalCommand eval)
{
    /// <summary>Old flat name → (group, sub-command): each still runs, hidden from help.</summary>
    public static IReadOnlyList<(string OldName, string Group, string Subcommand)> HiddenAliases { get; } =
    [
        ("submit", "batches", "submit"),
        ("status", "batches", "status"),
        ("wait", "batches", "wait"),
        ("fetch", "batches", "fetch"),
        ("train-submit", "runs", "submit"),
        ("train-status", "runs", "status"),
        ("train-wait", "runs", "wait"),
        ("train-cancel", "runs", "cancel"),
        ("train-resume", "runs", "resume"),
    ];

    /// <summary>The groups, in the order help lists them.</summary>
    public IReadOnlyList<LvmCommandGroup> Groups { get; } = [batches, datasets, runs, models];

    /// <summary>The commands that run on this machine alone.</summary>
    public IReadOnlyList<LvmCommand> LocalCommands { get; } =
        [complete, generate, tokenize, detokenize, perplexity, fashionMnist, trainTokenizer, tokenizeDataset, train, assembleModel, eval];

    /// <summary>Adds the groups, the local commands and the hidden aliases to <paramref name="root"/>.</summary>
    public void AddTo(RootCommand root, IServiceProvider services)
    {
        foreach (var group in Groups)
            root.Subcommands.Add(group.Build(services));
        foreach (var command in LocalCommands)
            root.Subcommands.Add(command.Build(services));
        foreach (var (oldName, group, subcommand) in HiddenAliases)
            root.Subcommands.Add(Groups.Single(g => g.Name == group).Subcommand(subcommand).Build(services, oldName, hidden: true));
    }
}
