using System.CommandLine;
using System.Globalization;
using LvmCloud.Cli.Output;

namespace LvmCloud.Cli.Commands.Platform.Datasets;

/// <summary><c>lvm datasets list</c>: the datasets, each tokenizer's shards, sentences and tokens; a line per dataset on stdout.</summary>
public sealed class DatasetsListCommand(IPlatformApiClientFactory apis) : PlatformCommand(apis, "list", "List the datasets with their token shards per tokenizer.")
{
    protected override void ConfigureCommand(Command command)
    {
    }

    protected override Task<int> ExecuteAsync(ParseResult parse, PlatformApiClient api, CommandOutput console, CancellationToken cancellationToken) =>
        ListAsync(api, console, cancellationToken);

    internal static async Task<int> ListAsync(PlatformApiClient api, CommandOutput console, CancellationToken cancellationToken)
    {
        var list = await api.ListDatasetsAsync(cancellationToken);
        console.Write(list, () =>
        {
            var c = CultureInfo.InvariantCulture;
            console.Table(CommandOutput.Count(list.Datasets.Count, "dataset"), ["dataset", "tokenizer", "shards", "sentences", "tokens", "skipped"],
                list.Datasets.SelectMany(d => d.Tokenizers.Count == 0
                    ? [(IReadOnlyList<string>)[d.Dataset, "-", "0", "0", "0", "0"]]
                    : d.Tokenizers.Select(t => (IReadOnlyList<string>)[d.Dataset, t.TokenizerId, t.Shards.ToString(c), t.Sentences.ToString(c), t.Tokens.ToString(c), t.Skipped.ToString(c)])));
            foreach (var d in list.Datasets)
                console.WriteLine(d.Dataset);
        });
        return ExitCodes.Success;
    }
}
