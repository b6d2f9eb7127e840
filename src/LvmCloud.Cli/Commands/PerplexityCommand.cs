using System.CommandLine;
using System.Globalization;
using LvmCloud.Cli.Commands.Tokens;
using LvmCloud.Cli.Interaction;
using LvmCloud.Cli.Output;

namespace LvmCloud.Cli.Commands;

/// <summary>
/// <c>lvm perplexity --transformer DIR --tokens FILE --target-start K</c>: per row, exp of the mean negative
/// log-likelihood of tokens K..end given all tokens before them.
/// </summary>
public sealed class PerplexityCommand() : LvmCommand("perplexity", "Perplexity of token rows from position --target-start to the end.")
{
    private readonly Option<string> transformerOption = new("--transformer") { Description = "LLaMA folder: config.json + weights.", Required = true };
    private readonly Option<string> tokensOption = new("--tokens") { Description = "JSON file {\"tokens\": [[...], ...]}; rows may differ in length.", Required = true };
    private readonly Option<int> targetStartOption = new("--target-start") { Description = "First scored position (e.g. 256 × context images); every row must be longer.", Required = true };
    private readonly PlacementOptions placementOptions = new(transformerDType: true);

    protected override void Configure(Command command)
    {
        command.Options.Add(transformerOption);
        command.Options.Add(tokensOption);
        command.Options.Add(targetStartOption);
        placementOptions.AddTo(command);
    }

    protected override Task<int> ExecuteAsync(ParseResult parse, CommandOutput console, CancellationToken cancellationToken)
    {
        var rows = TokenRowsFile.Read(parse.GetValue(tokensOption)!, "tokens");
        int targetStart = parse.GetValue(targetStartOption);
        if (targetStart < 1)
            throw new UserInputException($"--target-start must be at least 1 (the first token has no context), got {targetStart}.");
        for (int r = 0; r < rows.Count; r++)
            if (rows[r].Length <= targetStart)
                throw new UserInputException($"--target-start {targetStart} is out of range for row {r}, which has {rows[r].Length} tokens.");

        using var model = ModelFolders.Transformer(parse.GetValue(transformerOption)!, placementOptions.Resolve(parse), rows.Max(r => r.Length), Math.Min(rows.Count, 8)); // Perplexity.Compute runs 8 rows at a time
        TokenRowsFile.CheckRange(rows, model.Config.VocabSize, "transformer's");
        if (rows.Max(r => r.Length) > model.Config.MaxPositionEmbeddings)
            throw new UserInputException($"A row is longer than the transformer's context of {model.Config.MaxPositionEmbeddings} tokens.");

        cancellationToken.ThrowIfCancellationRequested();
        var perplexity = Vision.Generation.Perplexity.Compute(model, rows, targetStart);
        if (console.JsonOutput)
            console.WriteJson(new PerplexityDocument(perplexity));
        else
            for (int r = 0; r < perplexity.Length; r++)
                console.WriteLine($"row {r}: {perplexity[r].ToString("G6", CultureInfo.InvariantCulture)}");
        return Task.FromResult(ExitCodes.Success);
    }
}
