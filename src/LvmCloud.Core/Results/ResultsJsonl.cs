using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LvmCloud.Core.Results;

/// <summary>Writes and reads <c>results.jsonl</c>: one compact snake_case JSON object per line.</summary>
public static class ResultsJsonl
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false) },
        WriteIndented = false,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    /// <summary>One record as a single line of JSON (no newline).</summary>
    public static string Serialize(ResultRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return JsonSerializer.Serialize(record, Options);
    }

    public static ResultRecord Deserialize(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return JsonSerializer.Deserialize<ResultRecord>(json, Options)
            ?? throw new FormatException("A result record is null.");
    }

    public static void Write(IEnumerable<ResultRecord> records, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(writer);
        foreach (ResultRecord record in records)
        {
            writer.Write(Serialize(record));
            writer.Write('\n');
        }
    }

    public static string ToJsonl(IEnumerable<ResultRecord> records)
    {
        var writer = new StringWriter();
        Write(records, writer);
        return writer.ToString();
    }

    /// <summary>Reads every non-blank line; a malformed line throws <see cref="FormatException"/> naming its line number.</summary>
    public static IReadOnlyList<ResultRecord> Read(string jsonl)
    {
        ArgumentNullException.ThrowIfNull(jsonl);
        var records = new List<ResultRecord>();
        string[] lines = jsonl.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd('\r');
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                records.Add(Deserialize(line));
            }
            catch (JsonException ex)
            {
                throw new FormatException($"results.jsonl line {i + 1} is not a valid result record: {ex.Message}", ex);
            }
        }

        return records;
    }

    public static IReadOnlyList<ResultRecord> Read(Stream stream)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8, leaveOpen: true);
        return Read(reader.ReadToEnd());
    }
}
