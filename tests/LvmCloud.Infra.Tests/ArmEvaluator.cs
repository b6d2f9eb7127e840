using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LvmCloud.Infra.Tests;

/// <summary>
/// Evaluates the ARM template language expressions of a compiled template, for the subset of functions these
/// templates use, so that tests can check the values an app would be deployed with (its scale rules, environment
/// and arguments) for chosen parameters instead of matching expression text. Values only known at deployment
/// (<c>reference(...)</c>, the subscription) evaluate to a marker string such as
/// <c>«reference('workerIdentity').outputs.id.value»</c>. A function outside the subset throws, so a template
/// change that needs more fails the test loudly rather than passing unchecked.
/// </summary>
internal sealed class ArmScope
{
    private readonly JsonElement _template;
    private readonly Func<string, JsonNode?> _parameter;
    private readonly Dictionary<string, JsonNode?> _variables = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _evaluating = new(StringComparer.OrdinalIgnoreCase);

    private ArmScope(JsonElement template, Func<string, JsonNode?> parameter)
    {
        _template = template;
        _parameter = parameter;
    }

    public JsonElement Template => _template;

    /// <summary>The top-level template with the given parameter values; parameters not given take their defaults.</summary>
    public static ArmScope ForTemplate(JsonElement template, IReadOnlyDictionary<string, JsonNode?>? parameters = null)
    {
        ArmScope? scope = null;
        scope = new ArmScope(template, name =>
        {
            if (parameters is not null && parameters.TryGetValue(name, out var given))
                return given?.DeepClone();
            return scope!.Default(name);
        });
        return scope;
    }

    /// <summary>The nested template of a module, its parameters evaluated (lazily) from what this scope passes it.</summary>
    public ArmScope Module(string symbolicName)
    {
        var deployment = TemplateQuery.Module(_template, symbolicName);
        var properties = deployment.GetProperty("properties");
        var nested = properties.GetProperty("template");
        var passed = properties.TryGetProperty("parameters", out var p) ? p : default;
        var cache = new Dictionary<string, JsonNode?>(StringComparer.OrdinalIgnoreCase);
        ArmScope? module = null;
        module = new ArmScope(nested, name =>
        {
            if (cache.TryGetValue(name, out var known))
                return known?.DeepClone();
            JsonNode? value;
            if (passed.ValueKind == JsonValueKind.Object && passed.TryGetProperty(name, out var entry))
                value = entry.ValueKind == JsonValueKind.String
                    ? Evaluate(entry)!["value"] // a conditional argument compiles to [if(c, createObject('value', a), ...)]
                    : Evaluate(entry.GetProperty("value"));
            else
                value = module!.Default(name);
            cache[name] = value;
            return value?.DeepClone();
        });
        return module;
    }

    /// <summary>Whether a module deployment is deployed with this scope's parameters (no condition: always).</summary>
    public bool IsDeployed(string symbolicName)
    {
        var deployment = TemplateQuery.Module(_template, symbolicName);
        return !deployment.TryGetProperty("condition", out var condition) || Evaluate(condition)!.GetValue<bool>();
    }

    public JsonNode? Parameter(string name) => _parameter(name);

    public JsonNode? Variable(string name)
    {
        if (_variables.TryGetValue(name, out var known))
            return known?.DeepClone();
        if (!_evaluating.Add(name))
            throw new InvalidOperationException($"Variable '{name}' refers to itself.");
        var value = Evaluate(_template.GetProperty("variables").GetProperty(name));
        _evaluating.Remove(name);
        _variables[name] = value;
        return value?.DeepClone();
    }

    /// <summary>The single resource of a type in this template, evaluated, property loops expanded.</summary>
    public JsonNode Resource(string type) => Evaluate(Assert.Single(TemplateQuery.Resources(_template, type)))!;

    /// <summary>A JSON value of the template with every expression in it evaluated.</summary>
    public JsonNode? Evaluate(JsonElement value) => Evaluate(value, Bindings.None);

    private JsonNode? Default(string name)
    {
        var declared = _template.GetProperty("parameters");
        if (!declared.TryGetProperty(name, out var parameter))
            throw new InvalidOperationException($"No parameter '{name}' is declared.");
        return parameter.TryGetProperty("defaultValue", out var d)
            ? Evaluate(d)
            : throw new InvalidOperationException($"Parameter '{name}' has no default and was not given.");
    }

    private JsonNode? Evaluate(JsonElement value, Bindings bindings)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                return Evaluate(value.GetString()!, bindings);
            case JsonValueKind.Array:
                return new JsonArray(value.EnumerateArray().Select(v => Evaluate(v, bindings)).ToArray());
            case JsonValueKind.Object:
                var result = new JsonObject();
                foreach (var property in value.EnumerateObject())
                {
                    if (property.NameEquals("copy") && property.Value.ValueKind == JsonValueKind.Array)
                    {
                        // Property loops: copy: [{ name, count, input }] becomes the array property `name`.
                        foreach (var loop in property.Value.EnumerateArray())
                        {
                            var loopName = loop.GetProperty("name").GetString()!;
                            var count = ToLong(Evaluate(loop.GetProperty("count"), bindings));
                            var items = new JsonArray();
                            for (var i = 0; i < count; i++)
                                items.Add(Evaluate(loop.GetProperty("input"), bindings.WithCopyIndex(loopName, i)));
                            result[loopName] = items;
                        }
                        continue;
                    }
                    result[Text(Evaluate(property.Name, bindings))] = Evaluate(property.Value, bindings);
                }
                return result;
            case JsonValueKind.Number:
                return value.TryGetInt64(out var l) ? JsonValue.Create(l) : JsonValue.Create(value.GetDouble());
            case JsonValueKind.True:
            case JsonValueKind.False:
                return JsonValue.Create(value.GetBoolean());
            default:
                return null;
        }
    }

    /// <summary>A string of the template: an expression when bracketed ("[[" escapes a literal bracket).</summary>
    private JsonNode? Evaluate(string text, Bindings bindings)
    {
        if (text.StartsWith("[[", StringComparison.Ordinal))
            return JsonValue.Create(text[1..]);
        if (text.StartsWith('[') && text.EndsWith(']'))
            return Evaluate(ArmExpression.Parse(text[1..^1]), bindings);
        return JsonValue.Create(text);
    }

    private JsonNode? Evaluate(ArmExpression expression, Bindings bindings) => expression switch
    {
        ArmExpression.Literal literal => literal.Value?.DeepClone(),
        ArmExpression.Member member => Member(Evaluate(member.Target, bindings), Evaluate(member.Name, bindings)),
        ArmExpression.Call call => Call(call, bindings),
        _ => throw new NotSupportedException(expression.ToString()),
    };

    private static JsonNode? Member(JsonNode? target, JsonNode? name)
    {
        if (target is JsonValue v && v.TryGetValue<string>(out var marker) && marker.StartsWith('«'))
            return JsonValue.Create($"{marker[..^1]}.{Text(name)}»");
        return target switch
        {
            JsonObject o => o.FirstOrDefault(p => string.Equals(p.Key, Text(name), StringComparison.OrdinalIgnoreCase)).Value?.DeepClone()
                            ?? throw new KeyNotFoundException($"No property '{Text(name)}' in {o.ToJsonString()}."),
            JsonArray a => a[(int)ToLong(name)]?.DeepClone(),
            _ => throw new InvalidOperationException($"Cannot take '{name?.ToJsonString()}' of {target?.ToJsonString() ?? "null"}."),
        };
    }

    private JsonNode? Call(ArmExpression.Call call, Bindings bindings)
    {
        JsonNode? Arg(int i) => Evaluate(call.Arguments[i], bindings);
        List<JsonNode?> Args() => call.Arguments.Select(a => Evaluate(a, bindings)).ToList();

        switch (call.Name.ToLowerInvariant())
        {
            case "parameters":
                return bindings.FunctionParameters is { } fp ? fp[Text(Arg(0))]?.DeepClone() : Parameter(Text(Arg(0)));
            case "variables":
                return Variable(Text(Arg(0)));
            case "lambdavariables":
                return bindings.Lambda[Text(Arg(0))]?.DeepClone();
            case "copyindex":
                return JsonValue.Create((long)bindings.CopyIndex[Text(Arg(0))]);
            case "if":
                return ToBool(Arg(0)) ? Arg(1) : Arg(2);
            case "lambda":
                throw new InvalidOperationException("A lambda is only evaluated by the function that takes it.");
            case "map":
                return new JsonArray(Items(Arg(0)).Select(item => Apply(call.Arguments[1], bindings, item)).ToArray());
            case "filter":
                return new JsonArray(Items(Arg(0)).Where(item => ToBool(Apply(call.Arguments[1], bindings, item))).Select(i => i?.DeepClone()).ToArray());
            case "flatten":
                return new JsonArray(Items(Arg(0)).SelectMany(Items).Select(i => i?.DeepClone()).ToArray());
            case "items":
                return new JsonArray(((JsonObject)Arg(0)!).Select(p => (JsonNode?)new JsonObject { ["key"] = p.Key, ["value"] = p.Value?.DeepClone() }).ToArray());
            case "coalesce":
                return Args().FirstOrDefault(a => a is not null);
            case "trygetvalue":
            case "tryget":
                {
                    var target = Arg(0);
                    var key = Arg(1);
                    return target switch
                    {
                        JsonObject o => o.FirstOrDefault(p => string.Equals(p.Key, Text(key), StringComparison.OrdinalIgnoreCase)).Value?.DeepClone(),
                        JsonArray a => ToLong(key) < a.Count ? a[(int)ToLong(key)]?.DeepClone() : null,
                        _ => null,
                    };
                }
            case "createobject":
                {
                    var args = Args();
                    var o = new JsonObject();
                    for (var i = 0; i < args.Count; i += 2)
                        o[Text(args[i])] = args[i + 1];
                    return o;
                }
            case "createarray":
                return new JsonArray(Args().ToArray());
            case "union":
                {
                    var args = Args();
                    if (args.All(a => a is JsonArray))
                        return new JsonArray(args.SelectMany(Items).Select(i => i?.ToJsonString()).Distinct().Select(s => JsonNode.Parse(s!)).ToArray());
                    var o = new JsonObject();
                    foreach (var part in args.Cast<JsonObject>())
                        foreach (var p in part)
                            o[p.Key] = p.Value?.DeepClone();
                    return o;
                }
            case "concat":
                {
                    var args = Args();
                    return args.All(a => a is JsonArray)
                        ? new JsonArray(args.SelectMany(Items).Select(i => i?.DeepClone()).ToArray())
                        : JsonValue.Create(string.Concat(args.Select(Text)));
                }
            case "equals":
                return JsonValue.Create(JsonNode.DeepEquals(Arg(0), Arg(1)));
            case "not":
                return JsonValue.Create(!ToBool(Arg(0)));
            case "and":
                return JsonValue.Create(call.Arguments.All(a => ToBool(Evaluate(a, bindings))));
            case "or":
                return JsonValue.Create(call.Arguments.Any(a => ToBool(Evaluate(a, bindings))));
            case "empty":
                return JsonValue.Create(Arg(0) switch
                {
                    null => true,
                    JsonArray a => a.Count == 0,
                    JsonObject o => o.Count == 0,
                    var v => Text(v).Length == 0,
                });
            case "contains":
                {
                    var container = Arg(0);
                    var item = Arg(1);
                    return JsonValue.Create(container switch
                    {
                        JsonArray a => a.Any(x => JsonNode.DeepEquals(x, item)),
                        JsonObject o => o.ContainsKey(Text(item)),
                        var s => Text(s).Contains(Text(item), StringComparison.OrdinalIgnoreCase),
                    });
                }
            case "null":
                return null;
            case "string":
                return JsonValue.Create(Arg(0) switch
                {
                    JsonValue v when v.TryGetValue<string>(out var s) => s,
                    JsonValue v when v.TryGetValue<bool>(out var b) => b ? "True" : "False",
                    JsonValue v => ToLong(v).ToString(CultureInfo.InvariantCulture),
                    var other => other?.ToJsonString() ?? "",
                });
            case "json":
                return JsonNode.Parse(Text(Arg(0)));
            case "format":
                {
                    var args = Args();
                    var values = args.Skip(1).Select(a => a is JsonValue v && !v.TryGetValue<string>(out _) && !v.TryGetValue<bool>(out _)
                        ? (object)ToLong(v)
                        : Text(a)).ToArray();
                    return JsonValue.Create(string.Format(CultureInfo.InvariantCulture, Text(args[0]), values));
                }
            case "div":
                return JsonValue.Create(ToLong(Arg(0)) / ToLong(Arg(1)));
            case "mod":
                return JsonValue.Create(ToLong(Arg(0)) % ToLong(Arg(1)));
            case "sub":
                return JsonValue.Create(ToLong(Arg(0)) - ToLong(Arg(1)));
            case "add":
                return JsonValue.Create(ToLong(Arg(0)) + ToLong(Arg(1)));
            case "mul":
                return JsonValue.Create(ToLong(Arg(0)) * ToLong(Arg(1)));
            case "join":
                return JsonValue.Create(string.Join(Text(Arg(1)), Items(Arg(0)).Select(Text)));
            case "split":
                return new JsonArray(Text(Arg(0)).Split(Text(Arg(1))).Select(s => (JsonNode?)JsonValue.Create(s)).ToArray());
            case "length":
                return JsonValue.Create((long)(Arg(0) switch
                {
                    JsonArray a => a.Count,
                    JsonObject o => o.Count,
                    var v => Text(v).Length,
                }));
            case "tolower":
                return JsonValue.Create(Text(Arg(0)).ToLowerInvariant());
            case "reference":
            case "resourceid":
            case "subscription":
            case "deployment":
            case "tenant":
            case "uniquestring":
            case "resourcegroup":
                return JsonValue.Create($"«{call.Name}({string.Join(", ", call.Arguments.Select(a => a.ToString()))})»");
            default:
                if (call.Name.Contains('.'))
                    return UserFunction(call.Name, Args());
                throw new NotSupportedException($"The test evaluator does not know the ARM function '{call.Name}'.");
        }
    }

    private JsonNode? Apply(ArmExpression lambdaExpression, Bindings bindings, JsonNode? item)
    {
        if (lambdaExpression is not ArmExpression.Call { Name: var n } lambda || !n.Equals("lambda", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException("Expected a lambda.");
        var variable = Text(Evaluate(lambda.Arguments[0], bindings));
        return Evaluate(lambda.Arguments[^1], bindings.WithLambda(variable, item));
    }

    private JsonNode? UserFunction(string qualifiedName, List<JsonNode?> arguments)
    {
        var (ns, member) = (qualifiedName[..qualifiedName.IndexOf('.')], qualifiedName[(qualifiedName.IndexOf('.') + 1)..]);
        var definition = _template.GetProperty("functions").EnumerateArray()
            .Single(f => f.GetProperty("namespace").GetString() == ns)
            .GetProperty("members").GetProperty(member);
        var names = definition.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()!).ToList();
        var bound = new Dictionary<string, JsonNode?>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < names.Count; i++)
            bound[names[i]] = arguments[i];
        return Evaluate(definition.GetProperty("output").GetProperty("value"), Bindings.None with { FunctionParameters = bound });
    }

    private static IEnumerable<JsonNode?> Items(JsonNode? array) =>
        array as JsonArray ?? throw new InvalidOperationException($"Expected an array, got {array?.ToJsonString() ?? "null"}.");

    private static string Text(JsonNode? node) => node switch
    {
        null => "",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => node.ToJsonString(),
    };

    private static long ToLong(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<long>(out var l) => l,
        JsonValue v when v.TryGetValue<int>(out var i) => i,
        JsonValue v when v.TryGetValue<double>(out var d) => (long)d,
        JsonValue v when v.TryGetValue<JsonElement>(out var e) && e.ValueKind == JsonValueKind.Number => e.GetInt64(),
        _ => throw new InvalidOperationException($"Expected an integer, got {node?.ToJsonString() ?? "null"}."),
    };

    private static bool ToBool(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        JsonValue v when v.TryGetValue<JsonElement>(out var e) && e.ValueKind is JsonValueKind.True or JsonValueKind.False => e.GetBoolean(),
        _ => throw new InvalidOperationException($"Expected a bool, got {node?.ToJsonString() ?? "null"}."),
    };

    private sealed record Bindings(
        IReadOnlyDictionary<string, JsonNode?> Lambda,
        IReadOnlyDictionary<string, int> CopyIndex,
        IReadOnlyDictionary<string, JsonNode?>? FunctionParameters)
    {
        public static readonly Bindings None = new(
            new Dictionary<string, JsonNode?>(), new Dictionary<string, int>(), null);

        public Bindings WithLambda(string name, JsonNode? value) =>
            this with { Lambda = new Dictionary<string, JsonNode?>(Lambda) { [name] = value } };

        public Bindings WithCopyIndex(string name, int index) =>
            this with { CopyIndex = new Dictionary<string, int>(CopyIndex) { [name] = index } };
    }
}

/// <summary>A parsed ARM template language expression (the text between the outer brackets).</summary>
internal abstract record ArmExpression
{
    public sealed record Literal(JsonNode? Value) : ArmExpression
    {
        public override string ToString() =>
            Value is JsonValue v && v.TryGetValue<string>(out var s) ? $"'{s.Replace("'", "''")}'" : Value?.ToJsonString() ?? "null";
    }

    public sealed record Call(string Name, IReadOnlyList<ArmExpression> Arguments) : ArmExpression
    {
        public override string ToString() => $"{Name}({string.Join(", ", Arguments)})";
    }

    /// <summary><c>x.name</c> or <c>x[expr]</c>.</summary>
    public sealed record Member(ArmExpression Target, ArmExpression Name) : ArmExpression
    {
        public override string ToString() => $"{Target}[{Name}]";
    }

    public static ArmExpression Parse(string text)
    {
        var position = 0;
        var expression = ParseExpression(text, ref position);
        SkipSpace(text, ref position);
        if (position != text.Length)
            throw new FormatException($"Unexpected '{text[position..]}' in expression '{text}'.");
        return expression;
    }

    private static ArmExpression ParseExpression(string text, ref int position)
    {
        SkipSpace(text, ref position);
        ArmExpression expression;
        var c = text[position];
        if (c == '\'')
            expression = new Literal(JsonValue.Create(ParseString(text, ref position)));
        else if (char.IsDigit(c) || c == '-')
        {
            var start = position++;
            while (position < text.Length && char.IsDigit(text[position]))
                position++;
            expression = new Literal(JsonValue.Create(long.Parse(text[start..position], CultureInfo.InvariantCulture)));
        }
        else
        {
            var start = position;
            while (position < text.Length && (char.IsLetterOrDigit(text[position]) || text[position] is '_' or '.'))
                position++;
            var name = text[start..position];
            if (name.Length == 0)
                throw new FormatException($"Expected a function at {position} in '{text}'.");
            Expect(text, ref position, '(');
            var arguments = new List<ArmExpression>();
            SkipSpace(text, ref position);
            if (text[position] != ')')
            {
                while (true)
                {
                    arguments.Add(ParseExpression(text, ref position));
                    SkipSpace(text, ref position);
                    if (text[position] == ',')
                    {
                        position++;
                        continue;
                    }
                    break;
                }
            }
            Expect(text, ref position, ')');
            expression = new Call(name, arguments);
        }

        while (true)
        {
            SkipSpace(text, ref position);
            if (position < text.Length && text[position] == '.')
            {
                position++;
                var start = position;
                while (position < text.Length && (char.IsLetterOrDigit(text[position]) || text[position] is '_' or '$'))
                    position++;
                expression = new Member(expression, new Literal(JsonValue.Create(text[start..position])));
            }
            else if (position < text.Length && text[position] == '[')
            {
                position++;
                var index = ParseExpression(text, ref position);
                Expect(text, ref position, ']');
                expression = new Member(expression, index);
            }
            else
                return expression;
        }
    }

    private static string ParseString(string text, ref int position)
    {
        var builder = new StringBuilder();
        position++; // opening quote
        while (true)
        {
            var c = text[position++];
            if (c == '\'')
            {
                if (position < text.Length && text[position] == '\'')
                {
                    builder.Append('\'');
                    position++;
                    continue;
                }
                return builder.ToString();
            }
            builder.Append(c);
        }
    }

    private static void Expect(string text, ref int position, char expected)
    {
        SkipSpace(text, ref position);
        if (position >= text.Length || text[position] != expected)
            throw new FormatException($"Expected '{expected}' at {position} in '{text}'.");
        position++;
    }

    private static void SkipSpace(string text, ref int position)
    {
        while (position < text.Length && char.IsWhiteSpace(text[position]))
            position++;
    }
}
