using System.CommandLine;
using LvmCloud.Cli.Commands.Tokens;
using LvmCloud.Cli.Interaction;
using LvmCloud.Cli.Output;
using LvmCloud.Core.Manifests;
using LvmCloud.Vision.Generation;

namespace LvmCloud.Cli.Commands;

/// <summary>
/// <c>lvm generate --transformer DIR --tokens FILE --max-new-tokens N</c>: continues every prompt row and prints only the
/// new tokens, one row per prompt and candidate (prompt-major).
/// </summary>
public sealed class GenerateCommand() : LvmCommand("generate", "Continue token prompts ({\"tokens\": [[...], ...]}) with the transformer.")
{
    private readonly Option<string> transformerOption = new("--transformer") { Description = "LLaMA folder: config.json + weights.", Required = true };
    private readonly Option<string> tokensOption = new("--tokens") { Description = "JSON file {\"tokens\": [[...], ...]}: one prompt per row; rows may differ in length.", Required = true };
    private readonly Option<int> maxNewTokensOption = new("--max-new-tokens") { Description = "Tokens generated per row (256 per image for LVM).", Required = true };
    private readonly Option<float> temperatureOption = new("--temperature") { Description = "Sampling temperature; 0 is greedy.", DefaultValueFactory = _ => 1f };
    private readonly Option<float> topPOption = new("--top-p") { Description = "Nucleus sampling mass in (0, 1]; 1 keeps all.", DefaultValueFactory = _ => 1f };
    private readonly Option<int> topKOption = new("--top-k") { Description = "Keep the K most likely ids; 0 keeps all.", DefaultValueFactory = _ => 0 };
    private readonly Option<long> seedOption = new("--seed") { Description = "Seed; output row r samples with a seed derived from (seed, r).", DefaultValueFactory = _ => 0L };
    private readonly Option<int> candidatesOption = new("--candidates") { Description = "Continuations per prompt.", DefaultValueFactory = _ => 1 };
    private readonly Option<int> allowedVocabOption = new("--allowed-vocab") { Description = "Only ids below this are generated (the VQGAN codebook size).", DefaultValueFactory = _ => GenerationOptions.DefaultAllowedVocab };
    private readonly PlacementOptions placementOptions = new(transformerDType: true);

    /// <summary>The sampling seed of output row <paramref name="row"/> for <c>--seed</c> <paramref name="seed"/>.</summary>
    public static long RowSeed(long seed, int row) => StableSeed.Derive(seed, $"row-{row}");

    protected override void Configure(Command command)
    {
        foreach (var option in new Option[] { transformerOption, tokensOption, maxNewTokensOption, temperatureOption, topPOption, topKOption, seedOption, candidatesOption, allowedVocabOption })
            command.Options.Add(option);
        placementOptions.AddTo(command);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parse, CommandOutput console, CancellationToken cancellationToken)
    {
        var prompts = TokenRowsFile.Read(parse.GetValue(tokensOption)!, "tokens");
        int candidates = parse.GetValue(candidatesOption);
        long seed = parse.GetValue(seedOption);
        var options = new GenerationOptions(
            MaxNewTokens: parse.GetValue(maxNewTokensOption),
            Sampling: new Sampling(parse.GetValue(temperatureOption), parse.GetValue(topPOption), parse.GetValue(topKOption)),
            Candidates: candidates,
            Seeds: candidates > 0 ? Enumerable.Range(0, prompts.Count * candidates).Select(r => RowSeed(seed, r)).ToArray() : null,
            AllowedVocab: parse.GetValue(allowedVocabOption));
        try
        {
            options.Validate(prompts.Count);
        }
        catch (ArgumentException e)
        {
            throw new UserInputException($"Invalid generation options: {e.Message}");
        }

        int longest = prompts.Max(p => p.Length);
        using var model = ModelFolders.Transformer(parse.GetValue(transformerOption)!, placementOptions.Resolve(parse),
            longest + options.MaxNewTokens, prompts.Count * Math.Max(1, candidates));
        TokenRowsFile.CheckRange(prompts, model.Config.VocabSize, "transformer's");
        if (longest + options.MaxNewTokens > model.Config.MaxPositionEmbeddings)
            throw new UserInputException(
                $"The longest prompt ({longest} tokens) plus --max-new-tokens {options.MaxNewTokens} exceeds the transformer's context of {model.Config.MaxPositionEmbeddings} tokens.");

        var engine = new GenerationEngine(model);
        var rows = await console.WithProgressAsync("generate", options.MaxNewTokens, progress =>
        {
            using var output = engine.Generate(prompts, options, new StepProgress(progress));   // (P × C, N)
            return Task.FromResult(TensorRows.ToRows(output));
        });

        if (console.JsonOutput)
            console.WriteJson(new TokensDocument(rows));
        else
            foreach (var row in rows) console.WriteLine(string.Join(' ', row));
        return ExitCodes.Success;
    }

    /// <summary>The engine reports tokens per row so far; the bar advances one step per report.</summary>
    private sealed class StepProgress(IProgressReporter reporter) : IProgress<int>
    {
        private int done;

        public void Report(int value)
        {
            reporter.Advance(value - done);
            done = value;
        }
    }
}
