using System.Text.Json;
using System.Text.Json.Serialization;

namespace LvmCloud.Platform;

/// <summary>The JSON of the HTTP API and of the documents the platform writes for it (<c>status.json</c>): camelCase, nulls left out.</summary>
public static class PlatformJson
{
    public static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
