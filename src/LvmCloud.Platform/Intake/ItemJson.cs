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

    /// <summary>The stored item, or null when the row holds none or it cannot be read.</summary>
    public static BatchItem? TryRead(string? json)
    {
        if (string.IsNullOrEmpty(json))
            return null;
        try
        {
            return Read(json);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return null;
        }
    }
}
