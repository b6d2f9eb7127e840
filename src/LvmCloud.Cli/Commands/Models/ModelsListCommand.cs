using System.CommandLine;
using System.Globalization;
using LvmCloud.Cli.Commands.Platform;
using LvmCloud.Cli.Output;

namespace LvmCloud.Cli.Commands.Models;

/// <summary>
/// <c>lvm models list</c>: the models registered on the platform (<c>GET /api/models</c>), with how they were trained,
/// and the default model (what a batch runs on without <c>--model</c>) marked as such: the one the platform names,
/// else the model bundled with the worker and the CLI (<c>lvm complete</c>'s default), which is always usable.
/// </summary>
public sealed class ModelsListCommand(IPlatformApiClientFactory apis) : PlatformCommand(apis, "list", "The models registered on the platform, with how they were trained; the default model marked.")
{
    /// <summary>The bundled model as the platform knows it (Intake:DefaultModelName/Version out of the box).</summary>
    public static readonly DefaultModelView BundledDefault = new(CompleteCommand.BundledModelName, "latest", "bundled");

    protected override void ConfigureCommand(Command command)
    {
    }

    /// <summary>The registered models, a line each on stdout (name/version, "default" after the default one), the details in a table.</summary>
    protected override async Task<int> ExecuteAsync(ParseResult parse, PlatformApiClient api, CommandOutput console, CancellationToken cancellationToken)
    {
        var models = await api.ListModelsAsync(cancellationToken);
        var defaultModel = models.DefaultModel ?? BundledDefault;
        bool IsDefault(ModelView m) => m.Name == defaultModel.Name && m.Version == defaultModel.Version;
        var listsDefault = models.Models.Any(IsDefault);
        console.Write(new ModelListAnswer(models.Models, defaultModel), () =>
        {
            var c = CultureInfo.InvariantCulture;
            var rows = models.Models.Select(m => (IReadOnlyList<string>)[
                $"{m.Name}/{m.Version}", IsDefault(m) ? "default" : "", m.RegisteredAt.ToString("yyyy-MM-dd HH:mm", c), m.Training?.RunId ?? "",
                m.Training is { } t ? $"{t.Rounds} x {t.ShardsPerRound} x {t.InnerSteps}" : "", m.Training?.Tokens.ToString("N0", c) ?? "",
                m.Training?.EvalLoss?.ToString("F4", c) ?? "", string.Join(" ", m.Files.Keys)]).ToList();
            if (!listsDefault)
                rows.Insert(0, [$"{defaultModel.Name}/{defaultModel.Version}", $"default ({defaultModel.Source})", "", "", "", "", "", ""]);
            console.Table(CommandOutput.Count(models.Models.Count, "registered model"), ["model", "", "registered", "trained by", "rounds x shards x steps", "tokens", "eval loss", "files"], rows);
            if (!listsDefault)
                console.WriteLine($"{defaultModel.Name}/{defaultModel.Version} default");
            foreach (var m in models.Models)
                console.WriteLine(IsDefault(m) ? $"{m.Name}/{m.Version} default" : $"{m.Name}/{m.Version}");
        });
        return ExitCodes.Success;
    }

    /// <summary><c>lvm models list --json</c>: the registered models and the default one.</summary>
    private sealed record ModelListAnswer(IReadOnlyList<ModelView> Models, DefaultModelView DefaultModel);
}
