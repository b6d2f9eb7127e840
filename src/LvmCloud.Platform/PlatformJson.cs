using System.Text.Json;
using LvmCloud.Core.Json;

namespace LvmCloud.Platform;

/// <summary>The JSON of the HTTP API and of the documents the platform writes for it (<c>status.json</c>): camelCase, nulls left out.</summary>
public static class PlatformJson
{
    /// <summary><see cref="ApiJson.Options"/>: the CLI's <c>--json</c> prints the same style.</summary>
    public static readonly JsonSerializerOptions Web = ApiJson.Options;
}
