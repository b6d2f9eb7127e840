using System.Text.Json;
using System.Text.Json.Serialization;
using LvmCloud.Core.Text;
using LvmCloud.Platform.Batches;
using LvmCloud.Platform.Requests;

namespace LvmCloud.Platform.Training;

/// <summary>
/// Reads <c>run.json</c>: camelCase (names are matched without regard to case), comments and trailing commas
/// allowed, a leading byte order mark ignored. Every field is checked against <see cref="TrainingRunSpec"/> before
/// anything is deserialized (<see cref="SpecFieldCheck"/>): unknown fields, fields given twice and values of the wrong
/// type are all named, each once with its path, so a misspelt setting is an error rather than a silent default and one
/// answer lists every problem.
/// </summary>
public static class TrainingRunSpecJson
{
    public const string FileName = "run.json";

    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
    };

    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        MaxDepth = 16,
    };

    /// <summary>
    /// The spec as far as it could be read, and the problems of its fields (unknown, repeated, wrong type). Fields with
    /// a problem are left at their defaults in <see cref="TrainingRunSpecReading.Spec"/>; the spec's own checks
    /// (<see cref="TrainingRunSpecReading.Problems"/>) leave out what those fields' problems already say.
    /// </summary>
    /// <exception cref="BadRequestException">Empty, not JSON, or not a JSON object: nothing in it can be checked.</exception>
    public static TrainingRunSpecReading Read(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = ByteOrderMark.Strip(text);
        if (string.IsNullOrWhiteSpace(text))
            throw new BadRequestException($"{FileName} is empty.");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, DocumentOptions);
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" (line {line + 1})" : "";
            throw new BadRequestException($"{FileName} is not valid JSON{where}: {JsonErrorText.Reason(e)}.");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new BadRequestException($"{FileName} must be a JSON object ({{\"base\": ..., \"data\": ..., \"rounds\": ...}}), got {document.RootElement.ValueKind.ToString().ToLowerInvariant()}.");
            var (clean, problems) = SpecFieldCheck.Check(document.RootElement, typeof(TrainingRunSpec), FileName);
            var spec = clean.Deserialize<TrainingRunSpec>(Options)
                ?? throw new InvalidOperationException($"{FileName}: the checked fields did not deserialize.");
            return new TrainingRunSpecReading(spec, problems);
        }
    }

    /// <summary>The spec, when its fields have no problem (its values are checked by <see cref="TrainingRunSpec.Validate"/>).</summary>
    /// <exception cref="BadRequestException">Not JSON, or fields with problems: all of them are in the message.</exception>
    public static TrainingRunSpec Parse(string text)
    {
        var reading = Read(text);
        if (reading.FieldProblems.Count > 0)
            throw new BadRequestException(Describe(reading.FieldProblems.Select(p => p.Message).ToList()));
        return reading.Spec;
    }

    public static string Write(TrainingRunSpec spec) => JsonSerializer.Serialize(spec, Options);

    /// <summary>All problems in one message, numbered, for a 400 answer or a failed run's reason.</summary>
    public static string Describe(IReadOnlyList<string> problems) =>
        problems.Count == 1
            ? $"{FileName} has a problem: {problems[0]}."
            : $"{FileName} has {problems.Count} problems: {string.Join("; ", problems.Select((p, i) => $"({i + 1}) {p}"))}.";
}
