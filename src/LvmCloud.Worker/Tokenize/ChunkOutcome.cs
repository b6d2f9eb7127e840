using System.Text.Json;
using LvmCloud.Core.Datasets;
using LvmCloud.Core.Manifests;
using LvmCloud.Core.Sentences;
using LvmCloud.Platform;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.State;
using LvmCloud.Platform.Storage;
using LvmCloud.Vision.Datasets;

namespace LvmCloud.Worker.Tokenize;

/// <summary>What a <c>tokenize</c> job writes on its chunk row when the shard is done, and the reasons it gives for the lines it skips.</summary>
public static class ChunkOutcome
{
    /// <summary>The longest skip message kept on the chunk row.</summary>
    private const int MessageChars = 300;

    /// <summary>The chunk succeeded: its fingerprint, counts, the first skipped sentences (messages shortened) and the lines' ETag.</summary>
    public static void MarkSucceeded(TokenizeChunkEntity row, string runId, TokenizedShard shard, string doneFingerprint, string sentencesETag, DateTimeOffset now)
    {
        row.State = TokenizeStates.Succeeded;
        row.FinishedAt = now;
        row.DoneFingerprint = doneFingerprint;
        row.DoneRunId = runId;
        row.Sentences = shard.Sentences;
        row.Tokens = shard.Tokens;
        row.SkippedCount = shard.Skipped.Count;
        row.SkippedJson = shard.Skipped.Count == 0 ? null : JsonSerializer.Serialize(shard.Skipped.Take(TokenizeChunkEntity.SkippedKept).Select(Short), PlatformJson.Web);
        row.SentencesETag = sentencesETag;
        row.Error = null;
    }

    /// <summary>Why a line the whole file's parse marked invalid is skipped, in words.</summary>
    public static string MarkedMessage(MarkedLine m) => m.Reason switch
    {
        ManifestErrorReason.DuplicateId => $"line {m.Line}: its id is already used by an earlier line of {StorageLayout.SentencesFileName}",
        ManifestErrorReason.TooManyItems => $"line {m.Line}: the dataset already has {SentenceLimits.Default.MaxSentences} sentences, the limit",
        _ => $"line {m.Line}: {m.Reason}",
    };

    private static SkippedSentence Short(SkippedSentence s) =>
        s.Message.Length <= MessageChars ? s : s with { Message = s.Message[..MessageChars] + "..." };
}
