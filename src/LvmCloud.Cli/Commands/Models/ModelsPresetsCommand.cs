using System.CommandLine;
using System.Globalization;
using LvmCloud.Cli.Commands.Tokens;
using LvmCloud.Cli.Interaction;
using LvmCloud.Cli.Output;
using LvmCloud.Vision.Tokenizer;
using LvmCloud.Vision.Transformer;

namespace LvmCloud.Cli.Commands.Models;

/// <summary><c>lvm models presets</c>: the named transformer and tokenizer sizes with their parameter counts.</summary>
public sealed class ModelsPresetsCommand() : LvmCommand("presets", "The named transformer and tokenizer sizes with their parameter counts.")
{
    protected override void Configure(Command command)
    {
    }

    public static PresetsDocument Presets() => new(
        LlamaPresets.All.Select(p => new PresetEntry(p.Name, p.ParameterCount, p.Description)).ToList(),
        VqganPresets.All.Select(p => new PresetEntry(p.Name, p.ParameterCount, p.Description)).ToList());

    protected override Task<int> ExecuteAsync(ParseResult parse, CommandOutput console, CancellationToken cancellationToken) =>
        Task.FromResult(PrintPresets(console));

    private static int PrintPresets(CommandOutput console)
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
    public static string FormatCount(long n) => n switch
    {
        >= 1_000_000_000 => (n / 1e9).ToString("0.##", CultureInfo.InvariantCulture) + "B",
        >= 1_000_000 => (n / 1e6).ToString("0.#", CultureInfo.InvariantCulture) + "M",
        >= 1_000 => (n / 1e3).ToString("0.#", CultureInfo.InvariantCulture) + "K",
        _ => n.ToString(CultureInfo.InvariantCulture),
    };
}
