using System.Collections;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LvmCloud.Platform.Training;

/// <summary>
/// Walks a JSON object against the fields of a spec record (its primary constructor's parameters, camelCase, matched
/// without regard to case) and names every problem in the user's terms, each once with its path
/// (<c>inner.learningRate</c>, <c>data.train[2]</c>): an unknown field (with "did you mean" when one is close), a field
/// given twice, a value of the wrong JSON type (<c>inner.learningRate must be a number, got string "NaN"</c>). What is
/// left, the fields that are known and of the right type, is returned as a copy that deserializes without error, so the
/// spec's own range checks can run on it and all problems go into one answer.
/// </summary>
public static class SpecFieldCheck
{
    private const int MaxShownValue = 40;

    /// <summary>Problems of the object <paramref name="element"/> as a <paramref name="type"/>, and its well-typed fields.</summary>
    /// <param name="what">How the object is named in a problem at the top level (e.g. <c>run.json</c>).</param>
    public static (JsonObject Clean, List<SpecProblem> Problems) Check(JsonElement element, Type type, string what)
    {
        var problems = new List<SpecProblem>();
        var clean = CheckObject(element, type, "", what, problems);
        return (clean, problems);
    }

    private static JsonObject CheckObject(JsonElement element, Type type, string path, string what, List<SpecProblem> problems)
    {
        var fields = Fields(type);
        var clean = new JsonObject();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in element.EnumerateObject())
        {
            var field = fields.FirstOrDefault(f => string.Equals(f.Name, property.Name, StringComparison.OrdinalIgnoreCase));
            if (field is null && IsDerived(type, property.Name))
                continue; // a value computed from the others, as the spec's own writer puts it: not read back
            if (field is null)
            {
                var unknown = Join(path, property.Name);
                var hint = Closest(property.Name, fields.Select(f => f.Name)) is { } close
                    ? $"did you mean {Join(path, close)}?"
                    : $"{(path.Length == 0 ? what : path)} has: {string.Join(", ", fields.Select(f => f.Name))}";
                problems.Add(new SpecProblem(unknown, $"{unknown} is not a known field ({hint})"));
                continue;
            }
            var fieldPath = Join(path, field.Name);
            if (!seen.Add(field.Name))
            {
                problems.Add(new SpecProblem(fieldPath, $"{fieldPath} is given twice"));
                continue;
            }
            if (CheckValue(property.Value, field, fieldPath, what, problems) is { } value)
                clean[field.Name] = value;
            else if (property.Value.ValueKind == JsonValueKind.Null && field.AcceptsNull)
                clean[field.Name] = null;
        }
        return clean;
    }

    /// <summary>The value as a node when it has the field's type (null when it has not, or is JSON null).</summary>
    private static JsonNode? CheckValue(JsonElement value, SpecField field, string path, string what, List<SpecProblem> problems)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            if (!field.AcceptsNull)
                problems.Add(WrongType(path, field.Kind, value));
            return null;
        }
        switch (field.Kind)
        {
            case SpecValueKind.WholeNumber:
                if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var whole))
                    return JsonValue.Create(whole);
                problems.Add(value.ValueKind == JsonValueKind.Number
                    ? new SpecProblem(path, $"{path} must be a whole number between {int.MinValue} and {int.MaxValue}, got {value.GetRawText()}")
                    : WrongType(path, field.Kind, value));
                return null;
            case SpecValueKind.Number:
                if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) && double.IsFinite(number))
                    return JsonValue.Create(number);
                problems.Add(WrongType(path, field.Kind, value));
                return null;
            case SpecValueKind.Boolean:
                if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
                    return JsonValue.Create(value.GetBoolean());
                problems.Add(WrongType(path, field.Kind, value));
                return null;
            case SpecValueKind.Text:
                if (value.ValueKind == JsonValueKind.String)
                    return JsonValue.Create(value.GetString());
                problems.Add(WrongType(path, field.Kind, value));
                return null;
            case SpecValueKind.TextList:
                if (value.ValueKind != JsonValueKind.Array)
                {
                    problems.Add(WrongType(path, field.Kind, value));
                    return null;
                }
                var list = new JsonArray();
                var index = 0;
                foreach (var entry in value.EnumerateArray())
                {
                    if (entry.ValueKind == JsonValueKind.String)
                        list.Add(JsonValue.Create(entry.GetString()));
                    else
                        problems.Add(WrongType($"{path}[{index}]", SpecValueKind.Text, entry));
                    index++;
                }
                return list;
            default:
                if (value.ValueKind == JsonValueKind.Object)
                    return CheckObject(value, field.Type, path, what, problems);
                problems.Add(WrongType(path, field.Kind, value));
                return null;
        }
    }

    private static SpecProblem WrongType(string path, SpecValueKind kind, JsonElement got) =>
        new(path, $"{path} must be {Expected(kind)}, got {Shown(got)}");

    private static string Expected(SpecValueKind kind) => kind switch
    {
        SpecValueKind.WholeNumber => "a whole number",
        SpecValueKind.Number => "a number",
        SpecValueKind.Boolean => "true or false",
        SpecValueKind.Text => "a string",
        SpecValueKind.TextList => "a list of strings",
        _ => "an object",
    };

    /// <summary>The value as the user wrote it, in a few words: <c>string "NaN"</c>, <c>number 1e999</c>, <c>an array</c>.</summary>
    private static string Shown(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => $"string {JsonSerializer.Serialize(Shorten(value.GetString()!))}",
        JsonValueKind.Number => $"number {Shorten(value.GetRawText())}",
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Null => "null",
        JsonValueKind.Array => "a list",
        _ => "an object",
    };

    private static string Shorten(string text) => text.Length <= MaxShownValue ? text : text[..MaxShownValue] + "…";

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    /// <summary>The known name closest to <paramref name="name"/> when it is a likely misspelling (at most 2 edits, or 1 for short names).</summary>
    private static string? Closest(string name, IEnumerable<string> known)
    {
        var lower = name.ToLowerInvariant();
        var (best, distance) = known.Select(k => (k, Distance(lower, k.ToLowerInvariant()))).MinBy(c => c.Item2);
        return best is not null && distance <= (name.Length <= 4 ? 1 : 2) ? best : null;
    }

    /// <summary>Levenshtein distance.</summary>
    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            previous = current;
        }
        return previous[b.Length];
    }

    /// <summary>The fields of a spec record: its longest constructor's parameters, camelCase.</summary>
    private static List<SpecField> Fields(Type type)
    {
        var constructor = type.GetConstructors().MaxBy(c => c.GetParameters().Length)
            ?? throw new InvalidOperationException($"Spec type {type.Name} has no public constructor.");
        return constructor.GetParameters().Select(p => new SpecField(
            JsonNamingPolicy.CamelCase.ConvertName(p.Name!),
            p.ParameterType,
            KindOf(p.ParameterType),
            AcceptsNull(p))).ToList();
    }

    /// <summary>A read-only property computed from the fields (e.g. <c>totalInnerSteps</c>): written with the spec, never read.</summary>
    private static bool IsDerived(Type type, string name) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Any(p => !p.CanWrite && string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));

    private static bool AcceptsNull(ParameterInfo parameter) =>
        Nullable.GetUnderlyingType(parameter.ParameterType) is not null
        || (!parameter.ParameterType.IsValueType && new NullabilityInfoContext().Create(parameter).WriteState != NullabilityState.NotNull);

    private static SpecValueKind KindOf(Type type)
    {
        var plain = Nullable.GetUnderlyingType(type) ?? type;
        if (plain == typeof(int))
            return SpecValueKind.WholeNumber;
        if (plain == typeof(double))
            return SpecValueKind.Number;
        if (plain == typeof(bool))
            return SpecValueKind.Boolean;
        if (plain == typeof(string))
            return SpecValueKind.Text;
        if (typeof(IEnumerable).IsAssignableFrom(plain))
            return plain.IsGenericType && plain.GetGenericArguments() is [var item] && item == typeof(string)
                ? SpecValueKind.TextList
                : throw new NotSupportedException($"Spec field type {plain.Name} is not supported: only lists of strings.");
        if (plain.IsClass)
            return SpecValueKind.Object;
        throw new NotSupportedException($"Spec field type {plain.Name} is not supported.");
    }

    private sealed record SpecField(string Name, Type Type, SpecValueKind Kind, bool AcceptsNull);

    private enum SpecValueKind { WholeNumber, Number, Boolean, Text, TextList, Object }
}

/// <summary>One problem of a spec: the JSON path it is at (<c>inner.learningRate</c>) and what is wrong, in words.</summary>
public sealed record SpecProblem(string Path, string Message);
