using System.Text.Json;
using System.Text.Json.Serialization;
using LvmCloud.Core.Manifests;

namespace LvmCloud.Platform.Intake;

/// <summary>How a validated <see cref="BatchItem"/> is stored in its item row and read back by the worker.</summary>
public static class ItemJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    public static string Write(BatchItem item) => JsonSerializer.Serialize(StoredItem.From(item), Options);

    public static BatchItem Read(string json) =>
        (JsonSerializer.Deserialize<StoredItem>(json, Options) ?? throw new InvalidOperationException("Stored item JSON is null.")).ToItem();
}
