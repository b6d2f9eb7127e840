using System.Text.Json;
using System.Text.Json.Serialization;

namespace LvmCloud.Platform.Queues;

/// <summary>
/// Reads and writes <see cref="JobEnvelope"/> JSON (plain text, camelCase) and the payload records inside it.
/// Messages of schema version 1 (the flat <c>generate</c> messages of earlier releases) are read as version 2,
/// so messages queued before an upgrade are still worked on.
/// </summary>
public static class JobCodec
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static JobEnvelope Wrap<TPayload>(TPayload payload, string jobId, string? traceParent, DateTimeOffset enqueuedAt) where TPayload : IJobPayload =>
        new(JobEnvelope.CurrentSchemaVersion, TPayload.Kind, jobId, traceParent, enqueuedAt, JsonSerializer.SerializeToElement(payload, Json));

    public static string Encode(JobEnvelope envelope) => JsonSerializer.Serialize(envelope, Json);

    public static string Encode<TPayload>(TPayload payload, string jobId, string? traceParent, DateTimeOffset enqueuedAt) where TPayload : IJobPayload =>
        Encode(Wrap(payload, jobId, traceParent, enqueuedAt));

    /// <exception cref="InvalidJobMessageException">Not JSON, not an envelope, or a schema version this worker cannot read.</exception>
    public static JobEnvelope DecodeEnvelope(string text)
    {
        JsonElement root;
        try
        {
            root = JsonSerializer.Deserialize<JsonElement>(text, Json);
        }
        catch (JsonException e)
        {
            throw new InvalidJobMessageException($"The message is not valid JSON: {e.Message}");
        }
        if (root.ValueKind != JsonValueKind.Object)
            throw new InvalidJobMessageException($"The message is JSON {root.ValueKind}, not a job envelope object.");

        int version = root.TryGetProperty("schemaVersion", out var v) && v.TryGetInt32(out var n) ? n : 0;
        var envelope = version switch
        {
            JobEnvelope.CurrentSchemaVersion => Deserialize(root),
            1 => FromVersion1(root),
            _ => throw new InvalidJobMessageException($"schemaVersion {(version == 0 ? "is missing" : version.ToString())}: this worker reads versions 1 and {JobEnvelope.CurrentSchemaVersion}."),
        };
        if (string.IsNullOrWhiteSpace(envelope.Kind))
            throw new InvalidJobMessageException("The envelope names no kind.");
        if (string.IsNullOrWhiteSpace(envelope.JobId))
            throw new InvalidJobMessageException("The envelope has no jobId.");
        if (envelope.Payload.ValueKind != JsonValueKind.Object)
            throw new InvalidJobMessageException($"Job {envelope.JobId} has no payload object.");
        return envelope;
    }

    /// <summary>The envelope's payload as <typeparamref name="TPayload"/>, validated.</summary>
    /// <exception cref="InvalidJobMessageException">The kind differs, the payload does not deserialize, or it does not validate.</exception>
    public static TPayload DecodePayload<TPayload>(JobEnvelope envelope) where TPayload : IJobPayload
    {
        if (envelope.Kind != TPayload.Kind)
            throw new InvalidJobMessageException($"Job {envelope.JobId} is a '{envelope.Kind}' job, not '{TPayload.Kind}'.");
        TPayload? payload;
        try
        {
            payload = envelope.Payload.Deserialize<TPayload>(Json);
        }
        catch (JsonException e)
        {
            throw new InvalidJobMessageException($"Job {envelope.JobId}: the {TPayload.Kind} payload cannot be read: {e.Message}");
        }
        if (payload is null)
            throw new InvalidJobMessageException($"Job {envelope.JobId}: the payload is null.");
        var problems = payload.Validate().ToList();
        if (problems.Count > 0)
            throw new InvalidJobMessageException($"Job {envelope.JobId}: the {TPayload.Kind} payload is invalid: {string.Join("; ", problems)}.");
        return payload;
    }

    private static JobEnvelope Deserialize(JsonElement root)
    {
        try
        {
            return root.Deserialize<JobEnvelope>(Json) ?? throw new InvalidJobMessageException("The envelope is null.");
        }
        catch (JsonException e)
        {
            throw new InvalidJobMessageException($"The message is not a job envelope: {e.Message}");
        }
    }

    /// <summary>Version 1: <c>{schemaVersion, jobId, kind: "generate", batchId, itemIds, model, traceParent, enqueuedAt}</c>.</summary>
    private static JobEnvelope FromVersion1(JsonElement root)
    {
        string? Text(string name) => root.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
        var kind = Text("kind") ?? "";
        if (kind != QueueNames.GenerateKind)
            throw new InvalidJobMessageException($"A schemaVersion 1 message must be a '{QueueNames.GenerateKind}' job, not '{kind}'.");
        var payload = new Dictionary<string, JsonElement>();
        foreach (var name in new[] { "batchId", "itemIds", "model" })
            if (root.TryGetProperty(name, out var value))
                payload[name] = value;
        var enqueuedAt = root.TryGetProperty("enqueuedAt", out var at) && at.TryGetDateTimeOffset(out var t) ? t : DateTimeOffset.UtcNow;
        return new JobEnvelope(JobEnvelope.CurrentSchemaVersion, kind, Text("jobId") ?? "", Text("traceParent"), enqueuedAt,
            JsonSerializer.SerializeToElement(payload, Json));
    }
}
