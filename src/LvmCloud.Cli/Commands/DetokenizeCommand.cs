using System.CommandLine;
using LvmCloud.Cli.Commands.Tokens;
using LvmCloud.Cli.Interaction;
using LvmCloud.Cli.Output;
using LvmCloud.Core.Images;
using static TorchSharp.torch;

namespace LvmCloud.Cli.Commands;

/// <summary><c>lvm detokenize --tokenizer DIR --codes FILE --out DIR</c>: VQGAN codes → PNGs <c>0000.png</c>, <c>0001.png</c>, ...</summary>
public sealed class DetokenizeCommand() : LvmCommand("detokenize", "Decode VQGAN codes ({\"codes\": [[...], ...]}) into PNG images.")
{
    private readonly Option<string> tokenizerOption = new("--tokenizer") { Description = "VQGAN folder: config.json + weights.", Required = true };
    private readonly Option<string> codesOption = new("--codes") { Description = "JSON file {\"codes\": [[...], ...]}, as `lvm tokenize --json` prints.", Required = true };
    private readonly Option<string> outOption = new("--out") { Description = "Folder for the PNGs (created if missing).", Required = true };
    private readonly PlacementOptions placementOptions = new(transformerDType: false);

    protected override void Configure(Command command)
    {
        command.Options.Add(tokenizerOption);
        command.Options.Add(codesOption);
        command.Options.Add(outOption);
        placementOptions.AddTo(command);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parse, CommandOutput console, CancellationToken cancellationToken)
    {
        var rows = TokenRowsFile.Read(parse.GetValue(codesOption)!, "codes");
        var outDir = parse.GetValue(outOption)!;
        using var tokenizer = ModelFolders.Tokenizer(parse.GetValue(tokenizerOption)!, placementOptions.Resolve(parse));
        TokenRowsFile.CheckRange(rows, tokenizer.Config.NumEmbeddings, "tokenizer's codebook");
        for (int r = 0; r < rows.Count; r++)
            if (!IsSquare(rows[r].Length))
                throw new UserInputException($"Codes row {r} has {rows[r].Length} codes; a square grid of codes (e.g. 256 = 16×16) is needed.");

        Directory.CreateDirectory(outDir);
        var paths = await console.WithProgressAsync("detokenize", rows.Count, progress =>
        {
            var written = new List<string>(rows.Count);
            foreach (var chunk in SameLengthChunks(rows, tokenizer.MaxBatchSize))
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var images = tokenizer.Decode(TensorRows.FromRows(chunk)).contiguous();   // (B, 3, H, W) in [0, 1]
                int height = (int)images.shape[2], width = (int)images.shape[3];
                var pixels = images.data<float>().ToArray();
                int size = RgbImage.Channels * height * width;
                for (int i = 0; i < chunk.Count; i++)
                {
                    var path = Path.Combine(outDir, $"{written.Count:D4}.png");
                    ImageWriter.SavePng(new RgbImage(width, height, pixels.AsSpan(i * size, size).ToArray()), path);
                    written.Add(path);
                }
                progress.Advance(chunk.Count);
            }
            return Task.FromResult(written);
        });

        if (console.JsonOutput)
            console.WriteJson(new ImagesDocument(paths));
        else
            foreach (var path in paths) console.WriteLine(path);
        return ExitCodes.Success;
    }

    private static bool IsSquare(int n)
    {
        int side = (int)Math.Round(Math.Sqrt(n));
        return side * side == n;
    }

    /// <summary>Consecutive rows in chunks of at most <paramref name="size"/> rows of one length (rows keep their order).</summary>
    private static IEnumerable<List<long[]>> SameLengthChunks(IReadOnlyList<long[]> rows, int size)
    {
        var chunk = new List<long[]>();
        foreach (var row in rows)
        {
            if (chunk.Count == size || (chunk.Count > 0 && chunk[0].Length != row.Length))
            {
                yield return chunk;
                chunk = [];
            }
            chunk.Add(row);
        }
        if (chunk.Count > 0) yield return chunk;
    }
}
