using System.CommandLine;
using Azure.Storage.Blobs;
using LvmCloud.Cli.Interaction;
using LvmCloud.Cli.Output;
using LvmCloud.Core.Paths;

namespace LvmCloud.Cli.Commands.Platform.Datasets;

/// <summary>
/// <c>lvm datasets fetch-tokens NAME --out DIR</c>: downloads the dataset's shards as its index lists them (each
/// <c>.jsonl</c>, <c>.bin</c> twin and <c>.index.json</c> entry, plus <c>index.json</c>) through short-lived read SAS
/// URLs, and prints the <c>.bin</c> paths: <c>lvm train --tokens DIR/*.bin</c> reads them.
/// </summary>
public sealed class DatasetsFetchTokensCommand(IPlatformApiClientFactory apis) : PlatformCommand(apis, "fetch-tokens", "Download a dataset's token shards (ready for lvm train --tokens DIR/*.bin).")
{
    private const int ParallelDownloads = 4;
    private readonly Argument<string> _name = new("NAME") { Description = "The dataset." };
    private readonly Option<DirectoryInfo> _out = new("--out") { Description = "Folder to write the shards into (created if missing).", Required = true };
    private readonly Option<string?> _tokenizer = new("--tokenizer") { Description = "A tokenizer id or name/version (default: the default tokenizer's latest shards)." };

    protected override void ConfigureCommand(Command command)
    {
        command.Arguments.Add(_name);
        command.Options.Add(_out);
        command.Options.Add(_tokenizer);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parse, PlatformApiClient api, CommandOutput console, CancellationToken cancellationToken)
    {
        var name = parse.GetValue(_name)!;
        var outDir = parse.GetValue(_out)!.FullName;
        var tokens = await api.GetDatasetTokensAsync(name, parse.GetValue(_tokenizer), cancellationToken);
        foreach (var file in tokens.Files.Keys)
            if (file.Contains('/') || RelativePath.Check(file) is not null)
                throw new InvalidDataException($"The platform named a shard file '{file}' that is not a plain file name.");

        Directory.CreateDirectory(outDir);
        var bytes = 0L;
        await console.WithProgressAsync("download", tokens.Files.Count, async progress =>
        {
            await Parallel.ForEachAsync(tokens.Files, new ParallelOptions { MaxDegreeOfParallelism = ParallelDownloads, CancellationToken = cancellationToken }, async (file, ct) =>
            {
                var target = Path.Combine(outDir, file.Key);
                var partial = target + ".part";
                await new BlobClient(file.Value).DownloadToAsync(partial, ct);
                File.Move(partial, target, overwrite: true);
                Interlocked.Add(ref bytes, new FileInfo(target).Length);
                progress.Advance(1);
            });
            return true;
        });

        var bins = tokens.Index.Shards.Select(s => Path.Combine(outDir, s.Bin)).ToList();
        if (console.JsonOutput)
            console.WriteJson(new FetchAnswer(name, tokens.TokenizerId, tokens.Index.Shards.Count, tokens.Index.Sentences, tokens.Index.Tokens, tokens.Index.Skipped, tokens.Files.Count, bytes, outDir, bins));
        else
        {
            console.Info($"{name} with {tokens.TokenizerId}: {CommandOutput.Count(tokens.Index.Shards.Count, "shard")}, {CommandOutput.Count(tokens.Index.Sentences, "sentence")}, {CommandOutput.Count(tokens.Index.Tokens, "token")} ({tokens.Index.Skipped} skipped) in {outDir}");
            foreach (var bin in bins)
                console.WriteLine(bin);
        }
        return ExitCodes.Success;
    }

    private sealed record FetchAnswer(string Dataset, string TokenizerId, int Shards, long Sentences, long Tokens, long Skipped, int Files, long Bytes, string Out, IReadOnlyList<string> Bins);
}
