using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using LvmCloud.Core.Text;

namespace LvmCloud.Core.Manifests;

/// <summary>
/// Parses <c>manifest.jsonl</c>: one JSON object per line, compatible with LVM's
/// batch script (<c>{"input": [...], "output": "..."}</c>) and extended with
/// <c>id</c>, <c>target</c> and the sampling fields of <see cref="BatchDefaults"/>.
/// <list type="bullet">
/// <item>Batch-wide defaults come from <c>batch.json</c> (<c>{"defaults": {...}}</c>), then
/// from an optional first line of the same form, which overrides it field by field.
/// If the defaults are invalid, every item fails with <c>bad-defaults</c>.</item>
/// <item>Each bad line fails alone with a specific reason; blank lines are skipped;
/// line numbers are physical, 1-based.</item>
/// <item>An id is given (<c>[A-Za-z0-9._-]{1,64}</c>, not <c>.</c> or <c>..</c>) or
/// derived as <c>item-{line:D5}</c>; a repeated id fails the later line.</item>
/// <item>A missing seed is <see cref="StableSeed.Derive"/>(batch seed, id).</item>
/// <item>Output defaults to <c>{id}.png</c>, must end in <c>.png</c>, and must differ
/// (ignoring case) between items.</item>
/// </list>
/// </summary>
public static partial class BatchManifestParser
{
    public const string DefaultsField = "defaults";
    private const string IdField = "id";
    private const string InputField = "input";
    private const string OutputField = "output";
    private const string TargetField = "target";

    private static readonly string[] ItemFields = [IdField, InputField, OutputField, TargetField, .. BatchOverrides.Names];
    private static readonly string[] DefaultsWrapperFields = [DefaultsField];

    public static ParsedManifest Parse(string jsonl) => Parse(jsonl, null, ManifestLimits.Default);

    /// <summary>The id under which a manifest refused as a whole is reported (one failed record).</summary>
    public const string WholeManifestId = "manifest";

    /// <summary>
    /// The outcome for a manifest of <paramref name="bytes"/> bytes when that is over
    /// <see cref="ManifestLimits.MaxManifestBytes"/>: no line is read and the batch is one failed record
    /// <see cref="WholeManifestId"/> with <c>manifest-too-large</c>. Null when the size is within the limit.
    /// Call it with the file's length or the blob's declared length before reading the manifest.
    /// </summary>
    public static ParsedManifest? RefuseBySize(long bytes, ManifestLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        if (bytes <= limits.MaxManifestBytes)
        {
            return null;
        }

        var refused = new InvalidLine(1, WholeManifestId, ManifestErrorReason.ManifestTooLarge,
            $"the manifest is {bytes} bytes, the limit is {limits.MaxManifestBytes} bytes; it was not read (split the batch)");
        return new ParsedManifest(BatchDefaults.Builtin, [], [refused]);
    }

    public static ParsedManifest Parse(string jsonl, string? batchJson, ManifestLimits limits)
    {
        ArgumentNullException.ThrowIfNull(jsonl);
        ArgumentNullException.ThrowIfNull(limits);
        if (RefuseBySize(Encoding.UTF8.GetByteCount(jsonl), limits) is { } tooLarge)
        {
            return tooLarge;
        }

        jsonl = ByteOrderMark.Strip(jsonl);
        batchJson = batchJson is null ? null : ByteOrderMark.Strip(batchJson);

        BatchDefaults defaults = BatchDefaults.Builtin;
        string? defaultsError = null;
        if (batchJson is not null && Encoding.UTF8.GetByteCount(batchJson) > limits.MaxBatchJsonBytes)
        {
            defaultsError = $"batch.json is more than {limits.MaxBatchJsonBytes} bytes, the limit";
        }
        else if (batchJson is not null)
        {
            try
            {
                defaults = ParseDefaults(batchJson, defaults, limits, "batch.json");
            }
            catch (ManifestLineException ex)
            {
                defaultsError = $"batch.json: {ex.Message}";
            }
        }

        var items = new List<BatchItem>();
        var invalid = new List<InvalidLine>();
        var idLines = new Dictionary<string, int>(StringComparer.Ordinal);
        var outputLines = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        int itemLines = 0;
        bool seenContent = false;
        string[] lines = jsonl.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            int lineNumber = i + 1;
            string line = lines[i].TrimEnd('\r');
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            bool first = !seenContent;
            seenContent = true;
            int bytes = Encoding.UTF8.GetByteCount(line);
            if (bytes > limits.MaxLineBytes)
            {
                invalid.Add(new InvalidLine(lineNumber, null, ManifestErrorReason.LineTooLong,
                    $"line is {bytes} bytes, the limit is {limits.MaxLineBytes}"));
                continue;
            }

            if (IsDefaultsLine(line))
            {
                if (!first)
                {
                    invalid.Add(new InvalidLine(lineNumber, null, ManifestErrorReason.MisplacedDefaults,
                        "a \"defaults\" line is only allowed as the first line of the manifest"));
                    continue;
                }

                try
                {
                    defaults = ParseDefaults(line, defaults, limits, "the defaults line");
                }
                catch (ManifestLineException ex)
                {
                    defaultsError ??= $"defaults on line {lineNumber}: {ex.Message}";
                    invalid.Add(new InvalidLine(lineNumber, null, ManifestErrorReason.BadDefaults, ex.Message));
                }

                continue;
            }

            itemLines++;
            if (itemLines > limits.MaxItems)
            {
                invalid.Add(new InvalidLine(lineNumber, null, ManifestErrorReason.TooManyItems,
                    $"the batch already has {limits.MaxItems} items, the limit"));
                continue;
            }

            string? id = null;
            try
            {
                using JsonDocument document = ParseJson(line);
                JsonFields fields = JsonFields.Read(document.RootElement, "an item line");
                id = ReadId(fields, lineNumber);
                if (!idLines.TryAdd(id, lineNumber))
                {
                    throw new ManifestLineException(ManifestErrorReason.DuplicateId,
                        $"id '{id}' is already used on line {idLines[id]}");
                }

                fields.RejectUnknown(ItemFields, "an item line");

                BatchItem item = ReadItem(fields, id, lineNumber, defaults, limits);
                if (defaultsError is not null)
                {
                    throw new ManifestLineException(ManifestErrorReason.BadDefaults, $"the batch defaults are invalid ({defaultsError})");
                }

                if (!outputLines.TryAdd(item.Output, lineNumber))
                {
                    throw new ManifestLineException(ManifestErrorReason.DuplicateOutput,
                        $"output '{item.Output}' is already written by line {outputLines[item.Output]}");
                }

                items.Add(item);
            }
            catch (ManifestLineException ex)
            {
                invalid.Add(new InvalidLine(lineNumber, id, ex.Reason, ex.Message));
            }
        }

        return new ParsedManifest(defaults, items, invalid);
    }

    private static BatchItem ReadItem(JsonFields fields, string id, int lineNumber, BatchDefaults defaults, ManifestLimits limits)
    {
        IReadOnlyList<string> input = fields.PathList(InputField)
            ?? throw new ManifestLineException(ManifestErrorReason.MissingInput, "missing required field 'input' (a list of image paths)");
        if (input.Count == 0)
        {
            throw new ManifestLineException(ManifestErrorReason.MissingInput, "'input' is empty; give at least one image");
        }

        string output = fields.String(OutputField) is { } givenOutput
            ? JsonFields.CheckedPath(OutputField, givenOutput)
            : $"{id}.png";
        if (!output.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
        {
            throw new ManifestLineException(ManifestErrorReason.BadOutput, $"output '{output}' must end in .png");
        }

        IReadOnlyList<string> target = fields.PathList(TargetField) ?? [];
        (BatchDefaults values, long? seed) = BatchOverrides.Apply(fields, defaults, limits);
        if (input.Count + values.Generation.NewFrames > limits.MaxFramesPerItem)
        {
            throw new ManifestLineException(ManifestErrorReason.TooManyFrames,
                $"{input.Count} input images + {values.Generation.NewFrames} new frames exceed the limit of {limits.MaxFramesPerItem} images per item");
        }

        if (input.Count + target.Count > limits.MaxFramesPerItem)
        {
            throw new ManifestLineException(ManifestErrorReason.TooManyFrames,
                $"{input.Count} input images + {target.Count} target images exceed the limit of {limits.MaxFramesPerItem} images per item");
        }

        return new BatchItem(
            id,
            lineNumber,
            input,
            output,
            target,
            values.Generation,
            seed ?? StableSeed.Derive(defaults.Seed, id),
            values.Sizing);
    }

    private static string ReadId(JsonFields fields, int lineNumber)
    {
        string? id = fields.String(IdField);
        if (id is null)
        {
            return $"item-{lineNumber:D5}";
        }

        if (!IdPattern().IsMatch(id) || id is "." or "..")
        {
            string shown = id.Length > 80 ? id[..80] + "..." : id;
            throw new ManifestLineException(ManifestErrorReason.BadId,
                $"id '{shown}' is not allowed; use 1 to 64 characters from A-Z a-z 0-9 . _ - (not '.' or '..')");
        }

        return id;
    }

    private static BatchDefaults ParseDefaults(string json, BatchDefaults baseline, ManifestLimits limits, string what)
    {
        using JsonDocument document = ParseJson(json);
        JsonFields wrapper = JsonFields.Read(document.RootElement, what, DefaultsWrapperFields);
        if (wrapper.Get(DefaultsField) is not { } inner)
        {
            throw new ManifestLineException(ManifestErrorReason.BadDefaults, $"{what} has no \"defaults\" object");
        }

        JsonFields fields = JsonFields.Read(inner, $"\"defaults\" of {what}", BatchOverrides.Names);
        return BatchOverrides.Apply(fields, baseline, limits).Values;
    }

    /// <summary>A line is a defaults line when it is an object whose first key is "defaults".</summary>
    private static bool IsDefaultsLine(string line)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(line));
        try
        {
            return reader.Read() && reader.TokenType == JsonTokenType.StartObject
                && reader.Read() && reader.TokenType == JsonTokenType.PropertyName
                && reader.ValueTextEquals(DefaultsField);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static JsonDocument ParseJson(string json)
    {
        try
        {
            return JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 16 });
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
    }

    [GeneratedRegex(@"^[A-Za-z0-9._-]{1,64}\z")]
    private static partial Regex IdPattern();
}
