using System.Text.Json;

namespace LvmCloud.Infra.Tests;

/// <summary>Finds resources in a compiled ARM template, nested module deployments included.</summary>
internal static class TemplateQuery
{
    public static IEnumerable<JsonElement> Resources(JsonElement template, string type)
    {
        if (!template.TryGetProperty("resources", out var resources))
            yield break;
        var items = resources.ValueKind == JsonValueKind.Object
            ? resources.EnumerateObject().Select(p => p.Value)
            : resources.EnumerateArray();
        foreach (var resource in items)
        {
            if (resource.TryGetProperty("type", out var t) && t.GetString() == type)
                yield return resource;
            if (resource.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object
                && properties.TryGetProperty("template", out var nested))
                foreach (var found in Resources(nested, type))
                    yield return found;
        }
    }

    /// <summary>The nested template of the module deployment whose name starts with the module's symbolic name.</summary>
    public static JsonElement Module(JsonElement template, string symbolicName) =>
        Resources(template, "Microsoft.Resources/deployments")
            .Single(d => d.GetProperty("name").GetString()!.StartsWith($"[format('{symbolicName}-", StringComparison.Ordinal));
}
