using System.CommandLine;
using LvmCloud.Cli.Commands.Tokens;
using LvmCloud.Cli.Interaction;
using LvmCloud.Cli.Output;
using LvmCloud.Core.Images;
using static TorchSharp.torch;

namespace LvmCloud.Cli.Commands;

/// <summary><c>lvm tokenize --tokenizer DIR IMAGE...</c>: images → VQGAN codes, one row per image.</summary>
public sealed class TokenizeCommand() : LvmCommand("tokenize", "Encode images into VQGAN codes (resized to the tokenizer's resolution).")
{
    private readonly Option<string> tokenizerOption = new("--tokenizer") { Description = "VQGAN folder: config.json + weights.", Required = true };
    private readonly Argument<string[]> imagesArgument = new("images") { Description = "Image files (PNG, JPEG, WebP, BMP, GIF).", Arity = ArgumentArity.OneOrMore };
    private readonly PlacementOptions placementOptions = new(transformerDType: false);

    protected override void Configure(Command command)
    {
        command.Options.Add(tokenizerOption);
        command.Arguments.Add(imagesArgument);
        placementOptions.AddTo(command);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parse, CommandOutput console, CancellationToken cancellationToken)
    {
        var paths = parse.GetValue(imagesArgument)!;
        using var tokenizer = ModelFolders.Tokenizer(parse.GetValue(tokenizerOption)!, placementOptions.Resolve(parse));
        int resolution = tokenizer.Config.Resolution;

        var codes = await console.WithProgressAsync("tokenize", paths.Length, progress =>
        {
            var rows = new List<long[]>(paths.Length);
            foreach (var chunk in paths.Chunk(tokenizer.MaxBatchSize))
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var images = stack(chunk.Select(path => ToTensor(Load(path, resolution))).ToArray()); // (B, 3, H, W)
                rows.AddRange(TensorRows.ToRows(tokenizer.Encode(images)));                     // (B, n)
                progress.Advance(chunk.Length);
            }
            return Task.FromResult(rows);
        });

        if (console.JsonOutput)
            console.WriteJson(new CodesDocument(codes));
        else
            for (int i = 0; i < paths.Length; i++)
                console.WriteLine($"{paths[i]}: {codes[i].Length} codes: {string.Join(' ', codes[i])}");
        return ExitCodes.Success;
    }

    private static RgbImage Load(string path, int resolution)
    {
        try
        {
            return ImageLoader.LoadForModel(path, resolution, ResizeMode.Stretch, ImageLimits.Default).Pixels;
        }
        catch (ImageRejectedException e)
        {
            throw new UserInputException(e.Message);
        }
    }

    /// <summary>CHW floats → (3, H, W).</summary>
    private static Tensor ToTensor(RgbImage image) =>
        tensor(image.Data, [RgbImage.Channels, image.Height, image.Width]);
}
