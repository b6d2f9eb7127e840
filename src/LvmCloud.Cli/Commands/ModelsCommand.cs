using System.CommandLine;
using System.Globalization;
using LvmCloud.Cli.Commands.Platform;
using LvmCloud.Cli.Commands.Tokens;
using LvmCloud.Cli.Interaction;
using LvmCloud.Vision.Tokenizer;
using LvmCloud.Vision.Transformer;

namespace LvmCloud.Cli.Commands;

/// <summary>
/// <c>lvm models presets</c>: the named transformer and tokenizer sizes with their parameter counts.
/// <c>lvm models list</c>: the models registered on the platform (<c>GET /api/models</c>), with how they were trained.
/// </summary>
public sealed class ModelsCommand() : LvmCommand("models", "Models: `lvm models presets` lists the named sizes; `lvm models list` the models registered on the platform.")
{
    private readonly Argument<string> listingArgument = new("listing")
    {
        Description = "What to list: presets, or list (the platform's registered models).",
        Arity = ArgumentArity.ExactlyOne,
    };

    private readonly Option<string> _endpoint = new("--endpoint") { Description = $"For list: the platform's HTTP API (default: ${PlatformCommand.EndpointVariable})." };
    private readonly Option<string> _key = new("--key") { Description = $"For list: the function key (default: ${PlatformCommand.KeyVariable})." };

    protected override void Configure(Command command)
    {
        listingArgument.AcceptOnlyFromAmong("presets", "list");
        command.Arguments.Add(listingArgument);
        command.Options.Add(_endpoint);
        command.Options.Add(_key);
    }

    public static PresetsDocument Presets() => new(
        LlamaPresets.All.Select(p => new PresetEntry(p.Name, p.ParameterCount, p.Description)).ToList(),
        VqganPresets.All.Select(p => new PresetEntry(p.Name, p.ParameterCount, p.Description)).ToList());

    protected override Task<int> ExecuteAsync(ParseResult parse, IConsoleInteraction console, CancellationToken cancellationToken) =>
        parse.GetValue(listingArgument) == "list" ? ListAsync(parse, console, cancellationToken) : Task.FromResult(PrintPresets(console));

    /// <summary>The registered models, a line each on stdout (name/version, when, eval loss), the details in a table.</summary>
    private async Task<int> ListAsync(ParseResult parse, IConsoleInteraction console, CancellationToken cancellationToken)
    {
        using var api = new PlatformApiClient(PlatformEndpoint.Resolve(parse.GetValue(_endpoint)), PlatformEndpoint.ResolveKey(parse.GetValue(_key)));
        ModelListView models;
        try
        {
            models = await api.ListModelsAsync(cancellationToken);
        }
        catch (PlatformApiException e)
        {
            console.Error(e.Message);
            return ExitCodes.Failure;
        }
        catch (HttpRequestException e)
        {
            console.Error($"Cannot reach the platform at {api.Endpoint}: {e.Message}");
            return ExitCodes.Failure;
        }
        if (console.JsonOutput)
        {
            console.WriteJson(models);
            return ExitCodes.Success;
        }
        var c = CultureInfo.InvariantCulture;
        console.Table($"{models.Models.Count} registered models", ["model", "registered", "trained by", "rounds x shards x steps", "tokens", "eval loss", "files"],
            models.Models.Select(m => (IReadOnlyList<string>)[
                $"{m.Name}/{m.Version}", m.RegisteredAt.ToString("yyyy-MM-dd HH:mm", c), m.Training?.RunId ?? "",
                m.Training is { } t ? $"{t.Rounds} x {t.ShardsPerRound} x {t.InnerSteps}" : "", m.Training?.Tokens.ToString("N0", c) ?? "",
                m.Training?.EvalLoss?.ToString("F4", c) ?? "", string.Join(" ", m.Files.Keys)]));
        foreach (var m in models.Models)
            console.WriteLine($"{m.Name}/{m.Version}");
        return ExitCodes.Success;
    }

    private static int PrintPresets(IConsoleInteraction console)
    {
        var presets = Presets();
        if (console.JsonOutput)
        {
            console.WriteJson(presets);
        }
        else
        {
            foreach (var (kind, entries) in new[] { ("transformer", presets.Transformer), ("tokenizer", presets.Tokenizer) })
                foreach (var p in entries)
                    console.WriteLine($"{kind,-12} {p.Name,-10} {FormatCount(p.Parameters),8}  {p.Description}");
        }
        return ExitCodes.Success;
    }

    /// <summary>137.5K, 21.4M, 6.74B.</summary>
    private static string FormatCount(long n) => n switch
    {
        >= 1_000_000_000 => (n / 1e9).ToString("0.##", CultureInfo.InvariantCulture) + "B",
        >= 1_000_000 => (n / 1e6).ToString("0.#", CultureInfo.InvariantCulture) + "M",
        >= 1_000 => (n / 1e3).ToString("0.#", CultureInfo.InvariantCulture) + "K",
        _ => n.ToString(CultureInfo.InvariantCulture),
    };
}
