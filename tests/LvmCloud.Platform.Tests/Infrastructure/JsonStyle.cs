using System.Text.Json;

namespace LvmCloud.Platform.Tests.Infrastructure;

/// <summary>Checks that a JSON document LvmCloud defines uses its one key style: camelCase, as the HTTP API.</summary>
internal static class JsonStyle
{
    /// <summary>Fails when any object key (at any depth, outside free-form maps such as counts or upload URLs) starts with an upper-case letter or holds '_'.</summary>
    public static void AssertCamelCase(JsonElement element, string what, string path = "$")
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    // Maps keyed by data (item states, file paths) are not field names.
                    if (path.EndsWith(".counts", StringComparison.Ordinal) || path.EndsWith(".uploads", StringComparison.Ordinal) || path.EndsWith(".files", StringComparison.Ordinal))
                        continue;
                    Assert.True(property.Name.Length > 0 && char.IsLower(property.Name[0]) && !property.Name.Contains('_'),
                        $"{what}: key '{property.Name}' at {path} is not camelCase");
                    AssertCamelCase(property.Value, what, $"{path}.{property.Name}");
                }
                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                    AssertCamelCase(item, what, $"{path}[{i++}]");
                break;
        }
    }
}
