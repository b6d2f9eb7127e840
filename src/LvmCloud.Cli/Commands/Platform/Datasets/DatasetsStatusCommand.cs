using System.CommandLine;
using System.Globalization;
using LvmCloud.Cli.Interaction;
using LvmCloud.Cli.Output;

namespace LvmCloud.Cli.Commands.Platform.Datasets;

/// <summary>
/// <c>lvm datasets status NAME</c>: per tokenizer, shards, sentences, tokens, the last run and the one in flight,
/// failed chunks and skipped sentences with reasons. Without NAME it lists the datasets.
/// </summary>
public sealed class DatasetsStatusCommand(IPlatformApiClientFactory apis) : PlatformCommand(apis, "status", "Show a dataset's token shards, last and current run, and skipped sentences; without NAME, list the datasets.")
{
    private const int SkippedShown = 20;
    private readonly Argument<string?> _name = new("NAME") { Description = "The dataset (none: list the datasets).", Arity = ArgumentArity.ZeroOrOne };

    protected override void ConfigureCommand(Command command) => command.Arguments.Add(_name);

    protected override async Task<int> ExecuteAsync(ParseResult parse, PlatformApiClient api, CommandOutput console, CancellationToken cancellationToken)
    {
        if (parse.GetValue(_name) is not { Length: > 0 } name)
            return await DatasetsListCommand.ListAsync(api, console, cancellationToken);

        var status = await api.GetDatasetAsync(name, cancellationToken);
        if (console.JsonOutput)
        {
            console.WriteJson(status);
            return ExitCodes.Success;
        }
        Report(status, console);
        foreach (var t in status.Tokenizers)
            console.WriteLine($"{status.Dataset} {t.TokenizerId} {CommandOutput.Count(t.Shards, "shard")} {CommandOutput.Count(t.Sentences, "sentence")} {CommandOutput.Count(t.Tokens, "token")} {t.Skipped} skipped last run {t.LastRun?.Outcome ?? "none"}{(t.ActiveRun is null ? "" : $" running {t.ActiveRun.RunId} {t.PendingChunks} pending")}");
        if (status.Tokenizers.Count == 0)
            console.WriteLine($"{status.Dataset} not tokenized yet");
        return ExitCodes.Success;
    }

    internal static void Report(DatasetStatusView status, CommandOutput console)
    {
        var c = CultureInfo.InvariantCulture;
        if (!status.HasSentences)
            console.Info($"Dataset {status.Dataset} has no sentences.jsonl (its shards remain).");
        foreach (var t in status.Tokenizers)
        {
            string Run(RunStatusView? r) => r is null ? "-" : $"{r.RunId} {r.State}{(r.Outcome is null ? "" : " " + r.Outcome)} ({r.ChunksDone}/{r.ChunksTotal} chunks, {r.Trigger}{(r.Force ? ", forced" : "")}, {r.CreatedAt.ToString("yyyy-MM-dd HH:mm:ss", c)}{(r.FinishedAt is { } f ? $" → {f.ToString("HH:mm:ss", c)}" : "")})";
            console.Table($"Dataset {status.Dataset} with {t.TokenizerId} ({t.Tokenizer})", ["", ""],
            [
                ["shards", t.Shards.ToString(c)], ["sentences", t.Sentences.ToString(c)], ["tokens", t.Tokens.ToString(c)], ["skipped", t.Skipped.ToString(c)],
                ["chunk size", t.ChunkSize.ToString(c)], ["last run", Run(t.LastRun)], ["in flight", Run(t.ActiveRun)], ["pending chunks", t.PendingChunks.ToString(c)],
            ]);
            foreach (var chunk in t.FailedChunks)
                console.Info($"chunk {chunk.Chunk} (lines {chunk.FirstLine}-{chunk.LastLine}) {chunk.State}: {chunk.Error}");
            foreach (var s in t.SkippedSentences.Take(SkippedShown))
                console.Info($"skipped {s.SentenceId} (line {s.LineNumber}, {s.Reason}): {s.Message}");
            if (t.Skipped > Math.Min(SkippedShown, t.SkippedSentences.Count))
                console.Info($"... {t.Skipped} skipped in all (each shard's .index.json lists its own).");
        }
    }
}
