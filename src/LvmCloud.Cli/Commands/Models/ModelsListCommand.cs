using System.CommandLine;
using System.Globalization;
using LvmCloud.Cli.Commands.Platform;
using LvmCloud.Cli.Interaction;

namespace LvmCloud.Cli.Commands.Models;

/// <summary><c>lvm models list</c>: the models registered on the platform (<c>GET /api/models</c>), with how they were trained.</summary>
public sealed class ModelsListCommand() : LvmCommand("list", "The models registered on the platform, with how they were trained.")
{
    private readonly Option<string> _endpoint = new("--endpoint") { Description = $"The platform's HTTP API (default: ${PlatformCommand.EndpointVariable})." };
    private readonly Option<string> _key = new("--key") { Description = $"The function key (default: ${PlatformCommand.KeyVariable})." };

    protected override void Configure(Command command)
    {
        command.Options.Add(_endpoint);
        command.Options.Add(_key);
    }

    protected override Task<int> ExecuteAsync(ParseResult parse, IConsoleInteraction console, CancellationToken cancellationToken) =>
        ListAsync(parse, console, cancellationToken);

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
}
