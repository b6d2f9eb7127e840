using System.Text.Json;
using System.Text.Json.Serialization;

namespace LvmCloud.Core.Json;

/// <summary>
/// The one JSON style of what LvmCloud itself defines: the HTTP API's bodies and the CLI's <c>--json</c> output.
/// camelCase keys (Azure's style), nulls left out. LVM-compatible files (manifests, <c>results.jsonl</c>,
/// <c>lvm.json</c>) keep LVM's snake_case and do not use these options.
/// </summary>
public static class ApiJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
