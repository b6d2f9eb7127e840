using System.Text.Json;
using System.Text.Json.Serialization;
using LvmCloud.Platform.Storage;

namespace LvmCloud.Platform.Queues;

/// <summary>Reads and writes <see cref="JobMessage"/> JSON, rejecting messages this version cannot handle.</summary>
public static class JobMessageCodec
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string Encode(JobMessage message) => JsonSerializer.Serialize(message, Json);

    /// <exception cref="InvalidJobMessageException">The text is not a job message this worker understands.</exception>
    public static JobMessage Decode(string text)
    {
        JobMessage? message;
        try
        {
            message = JsonSerializer.Deserialize<JobMessage>(text, Json);
        }
        catch (JsonException e)
        {
            throw new InvalidJobMessageException($"Job message is not valid JSON: {e.Message}");
        }

        if (message is null)
            throw new InvalidJobMessageException("Job message is empty (JSON null).");
        if (message.SchemaVersion != JobMessage.CurrentSchemaVersion)
            throw new InvalidJobMessageException($"Job message schemaVersion {message.SchemaVersion} is not supported (expected {JobMessage.CurrentSchemaVersion}).");
        if (string.IsNullOrWhiteSpace(message.JobId))
            throw new InvalidJobMessageException("Job message has no jobId.");
        if (!Identifiers.IsValidBatchId(message.BatchId))
            throw new InvalidJobMessageException($"Job message batchId '{message.BatchId}' is not a valid batch id.");
        if (message.ItemIds is null || message.ItemIds.Count == 0)
            throw new InvalidJobMessageException("Job message names no itemIds.");
        if (message.ItemIds.FirstOrDefault(id => !Identifiers.IsValidItemId(id)) is { } bad)
            throw new InvalidJobMessageException($"Job message itemId '{bad}' is not a valid item id.");
        if (message.Model is null || string.IsNullOrWhiteSpace(message.Model.Name) || string.IsNullOrWhiteSpace(message.Model.Version))
            throw new InvalidJobMessageException("Job message has no model reference (name and version).");
        return message;
    }
}

public sealed class InvalidJobMessageException(string message) : Exception(message);
