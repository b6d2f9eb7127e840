using System.Text.Json;
using LvmCloud.Core.Paths;

namespace LvmCloud.Core.Manifests;

/// <summary>Strict readers for the fields of one JSON object: exact types, no unknown or repeated keys; <c>null</c> counts as absent.</summary>
internal sealed class JsonFields
{
    private readonly Dictionary<string, JsonElement> _fields = new(StringComparer.Ordinal);

    private JsonFields()
    {
    }

    public IEnumerable<string> Names => _fields.Keys;

    /// <summary>Reads the object's fields; call <see cref="RejectUnknown"/> once the fields needed for error reports (the id) are read.</summary>
    public static JsonFields Read(JsonElement element, string what)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new ManifestLineException(ManifestErrorReason.NotAnObject, $"{what} must be a JSON object, got {Describe(element.ValueKind)}");
        }

        var fields = new JsonFields();
        foreach (JsonProperty property in element.EnumerateObject())
        {
            if (!fields._fields.TryAdd(property.Name, property.Value))
            {
                throw new ManifestLineException(ManifestErrorReason.DuplicateField, $"field '{property.Name}' appears twice in {what}");
            }
        }

        return fields;
    }

    /// <summary>Reads the object's fields and refuses any not in <paramref name="allowed"/>.</summary>
    public static JsonFields Read(JsonElement element, string what, IReadOnlyCollection<string> allowed)
    {
        JsonFields fields = Read(element, what);
        fields.RejectUnknown(allowed, what);
        return fields;
    }

    public void RejectUnknown(IReadOnlyCollection<string> allowed, string what)
    {
        foreach (string name in _fields.Keys)
        {
            if (!allowed.Contains(name))
            {
                throw new ManifestLineException(ManifestErrorReason.UnknownField,
                    $"unknown field '{name}' in {what}; allowed fields are {string.Join(", ", allowed)}");
            }
        }
    }

    public bool Has(string name) => _fields.TryGetValue(name, out JsonElement value) && value.ValueKind != JsonValueKind.Null;

    public JsonElement? Get(string name) => Has(name) ? _fields[name] : null;

    public string? String(string name)
    {
        if (Get(name) is not { } value)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw WrongType(name, "a string", value);
    }

    public IReadOnlyList<string>? PathList(string name)
    {
        if (Get(name) is not { } value)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw WrongType(name, "an array of relative paths", value);
        }

        var paths = new List<string>();
        int index = 0;
        foreach (JsonElement entry in value.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.String)
            {
                throw WrongType($"{name}[{index}]", "a string", entry);
            }

            paths.Add(CheckedPath($"{name}[{index}]", entry.GetString()!));
            index++;
        }

        return paths;
    }

    public int? Int(string name, int min, int max)
    {
        long? value = Long(name, min, max);
        return value is null ? null : (int)value.Value;
    }

    public long? Long(string name, long min, long max)
    {
        if (Get(name) is not { } value)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out long number))
        {
            throw WrongType(name, "an integer", value);
        }

        if (number < min || number > max)
        {
            throw new ManifestLineException(ManifestErrorReason.OutOfRange, $"'{name}' is {number}, it must be between {min} and {max}");
        }

        return number;
    }

    /// <summary>A finite number in [min, max] (or (min, max] when <paramref name="minExclusive"/>).</summary>
    public float? Float(string name, double min, double max, bool minExclusive = false)
    {
        if (Get(name) is not { } value)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out double number) || !double.IsFinite(number))
        {
            throw WrongType(name, "a number", value);
        }

        bool belowMin = minExclusive ? number <= min : number < min;
        if (belowMin || number > max)
        {
            string range = minExclusive ? $"greater than {min} and at most {max}" : $"between {min} and {max}";
            throw new ManifestLineException(ManifestErrorReason.OutOfRange, $"'{name}' is {number}, it must be {range}");
        }

        return (float)number;
    }

    public static string CheckedPath(string field, string path)
    {
        PathProblem? problem = RelativePath.Check(path);
        return problem is null
            ? path
            : throw new ManifestLineException(problem.Reason, $"{field}: {problem.Message}");
    }

    private static ManifestLineException WrongType(string name, string expected, JsonElement value) =>
        new(ManifestErrorReason.WrongType, $"'{name}' must be {expected}, got {Describe(value.ValueKind)}");

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => kind.ToString(),
    };
}
