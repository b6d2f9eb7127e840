using System.Text.Json;
using System.Text.Json.Serialization;
using LvmCloud.Platform.Batches;

namespace LvmCloud.Platform.Training;

/// <summary>
/// Reads <c>run.json</c>: camelCase (names are matched without regard to case), comments and trailing commas
/// allowed, unknown fields refused, so a misspelt setting is an error rather than a silent default.
/// </summary>
public static class TrainingRunSpecJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
    };

    /// <exception cref="BadRequestException">Not JSON, not an object, or a field that does not exist or has the wrong type.</exception>
    public static TrainingRunSpec Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
            throw new BadRequestException("run.json is empty.");
        try
        {
            return JsonSerializer.Deserialize<TrainingRunSpec>(text, Options) ?? throw new BadRequestException("run.json is null.");
        }
        catch (JsonException e)
        {
            throw new BadRequestException($"run.json cannot be read{(e.Path is { Length: > 0 } p ? $" at {p}" : "")}: {e.Message}");
        }
    }

    public static string Write(TrainingRunSpec spec) => JsonSerializer.Serialize(spec, Options);
}
