using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using LvmCloud.Core.Manifests;
using LvmCloud.Core.Text;

namespace LvmCloud.Core.Sentences;

/// <summary>
/// Parses a dataset's <c>sentences.jsonl</c>: one <c>{"images": ["a.png", ...], "kind": "pairs"}</c>
/// per line. Paths follow <see cref="Paths.RelativePath"/>; <c>kind</c> is optional
/// (<c>[a-z0-9-]{1,32}</c>, usually one of <see cref="SentenceKinds"/>); <c>id</c> is optional
/// (1 to 64 of <c>A-Z a-z 0-9 . _ -</c>, as manifest ids; a line without one is <c>line-{n:D5}</c>),
/// and a line repeating an earlier id fails, so ids name one sentence in results and shard records.
/// Unknown fields are errors. Bad lines fail alone; blank lines are skipped.
/// </summary>
public static partial class VisualSentenceParser
{
    private const string ImagesField = "images";
    private const string KindField = "kind";
    private const string IdField = "id";
    private static readonly string[] Fields = [IdField, ImagesField, KindField];

    public static ParsedSentences Parse(string jsonl) => Parse(jsonl, SentenceLimits.Default);

    public static ParsedSentences Parse(string jsonl, SentenceLimits limits) => Parse(jsonl, limits, 1);

    /// <summary>
    /// Parses a run of lines cut out of a <c>sentences.jsonl</c> whose first line is line
    /// <paramref name="firstLineNumber"/> of the file, so sentence ids and reports name the file's line numbers (a
    /// <c>tokenize</c> job reads only its chunk's lines). Rules that need the lines before the run (an id repeated
    /// from an earlier chunk, the sentence limit) only see the run; the caller applies what the whole file says.
    /// </summary>
    public static ParsedSentences Parse(string jsonl, SentenceLimits limits, int firstLineNumber)
    {
        ArgumentNullException.ThrowIfNull(jsonl);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(firstLineNumber);
        if (firstLineNumber == 1)
        {
            jsonl = ByteOrderMark.Strip(jsonl);
        }

        var sentences = new List<VisualSentence>();
        var invalid = new List<InvalidLine>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        string[] lines = jsonl.Split('\n');
        int count = 0;
        for (int i = 0; i < lines.Length; i++)
        {
            int lineNumber = i + firstLineNumber;
            string line = lines[i].TrimEnd('\r');
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                if (++count > limits.MaxSentences)
                {
                    throw new ManifestLineException(ManifestErrorReason.TooManyItems, $"the dataset already has {limits.MaxSentences} sentences, the limit");
                }

                int bytes = Encoding.UTF8.GetByteCount(line);
                if (bytes > limits.MaxLineBytes)
                {
                    throw new ManifestLineException(ManifestErrorReason.LineTooLong, $"line is {bytes} bytes, the limit is {limits.MaxLineBytes}");
                }

                VisualSentence sentence = ParseLine(line, lineNumber, limits);
                if (!ids.Add(sentence.SentenceId))
                {
                    throw new ManifestLineException(ManifestErrorReason.DuplicateId, $"id '{sentence.SentenceId}' is already used by an earlier line");
                }

                sentences.Add(sentence);
            }
            catch (ManifestLineException ex)
            {
                invalid.Add(new InvalidLine(lineNumber, null, ex.Reason, ex.Message));
            }
        }

        return new ParsedSentences(sentences, invalid);
    }

    /// <summary>The JSONL line (without newline) describing <paramref name="images"/>.</summary>
    public static string Format(IEnumerable<string> images, string? kind, string? id = null)
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (id is not null)
            {
                writer.WriteString(IdField, id);
            }

            writer.WriteStartArray(ImagesField);
            foreach (string image in images)
            {
                writer.WriteStringValue(image);
            }

            writer.WriteEndArray();
            if (kind is not null)
            {
                writer.WriteString(KindField, kind);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static VisualSentence ParseLine(string line, int lineNumber, SentenceLimits limits)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException ex)
        {
            throw new ManifestLineException(ManifestErrorReason.BadJson, $"not valid JSON: {JsonErrorText.Reason(ex)}");
        }
        catch (ArgumentException ex)
        {
            // Text that is not valid Unicode (a lone surrogate) cannot be transcoded to UTF-8 for the JSON reader.
            throw new ManifestLineException(ManifestErrorReason.BadJson, $"not valid JSON text: {JsonErrorText.Clause(ex.Message)}");
        }

        using (document)
        {
            JsonFields fields = JsonFields.Read(document.RootElement, "a sentence line", Fields);
            IReadOnlyList<string> images = fields.PathList(ImagesField)
                ?? throw new ManifestLineException(ManifestErrorReason.MissingInput, "missing required field 'images' (a list of image paths)");
            if (images.Count == 0)
            {
                throw new ManifestLineException(ManifestErrorReason.MissingInput, "'images' is empty");
            }

            if (images.Count > limits.MaxImagesPerSentence)
            {
                throw new ManifestLineException(ManifestErrorReason.TooManyFrames,
                    $"{images.Count} images exceed the limit of {limits.MaxImagesPerSentence} per sentence");
            }

            string? kind = fields.String(KindField);
            if (kind is not null && !KindPattern().IsMatch(kind))
            {
                throw new ManifestLineException(ManifestErrorReason.OutOfRange,
                    $"'kind' must be 1 to 32 characters from a-z 0-9 -, e.g. {string.Join(", ", SentenceKinds.Sequence, SentenceKinds.Pairs, SentenceKinds.Inpainting, SentenceKinds.Category)}");
            }

            string? id = fields.String(IdField);
            if (id is not null && (!IdPattern().IsMatch(id) || id is "." or ".."))
            {
                string shown = id.Length > 80 ? id[..80] + "..." : id;
                throw new ManifestLineException(ManifestErrorReason.BadId,
                    $"id '{shown}' is not allowed; use 1 to 64 characters from A-Z a-z 0-9 . _ - (not '.' or '..')");
            }

            return new VisualSentence(lineNumber, images, kind, id);
        }
    }

    [GeneratedRegex(@"^[a-z0-9-]{1,32}\z")]
    private static partial Regex KindPattern();

    [GeneratedRegex(@"^[A-Za-z0-9._-]{1,64}\z")]
    private static partial Regex IdPattern();
}
