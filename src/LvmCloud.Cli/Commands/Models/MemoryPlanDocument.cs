using System.Text.Json.Serialization;
using LvmCloud.Vision.Devices;
using LvmCloud.Vision.Memory;

namespace LvmCloud.Cli.Commands.Models;

/// <summary>A <see cref="MemoryPlan"/> as <c>lvm models plan --json</c> prints it: bytes as integers, null where unknown.</summary>
public sealed record MemoryPlanDocument(
    [property: JsonPropertyName("device")] string Device,
    [property: JsonPropertyName("parameters")] long Parameters,
    [property: JsonPropertyName("stored_dtype")] string StoredDtype,
    [property: JsonPropertyName("transformer_bytes")] IReadOnlyDictionary<string, long> TransformerBytes,
    [property: JsonPropertyName("vqgan_bytes")] long? VqganBytes,
    [property: JsonPropertyName("vqgan_batch_bytes")] long? VqganBatchBytes,
    [property: JsonPropertyName("sequence_length")] int SequenceLength,
    [property: JsonPropertyName("kv_cache_bytes_per_row")] long KvCacheBytesPerRow,
    [property: JsonPropertyName("activation_bytes_per_row")] long ActivationBytesPerRow,
    [property: JsonPropertyName("runtime_overhead_bytes")] long RuntimeOverheadBytes,
    [property: JsonPropertyName("free_bytes")] long? FreeBytes,
    [property: JsonPropertyName("free_source")] string FreeSource,
    [property: JsonPropertyName("requested")] string Requested,
    [property: JsonPropertyName("dtype")] string Dtype,
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("rows")] int Rows,
    [property: JsonPropertyName("required_bytes")] long RequiredBytes,
    [property: JsonPropertyName("max_rows")] int? MaxRows,
    [property: JsonPropertyName("fits")] bool Fits)
{
    public static MemoryPlanDocument Of(MemoryPlan plan, int rows)
    {
        int length = plan.SequenceLength;
        int maxRows = plan.MaxRows(length);
        return new(
            plan.Device.type.ToString().ToLowerInvariant(),
            plan.Transformer.ParameterCount,
            WeightDType.NameOf(plan.Transformer.StoredDType),
            ModelsPlanCommand.CandidateDTypes.ToDictionary(WeightDType.NameOf, plan.Transformer.WeightBytes),
            plan.Tokenizer?.WeightBytes,
            plan.Tokenizer?.ActivationBytes,
            length,
            plan.Transformer.KvBytesPerRow(length, plan.DType),
            plan.Transformer.ActivationBytesPerRow(length, plan.DType),
            MemoryPlan.RuntimeOverheadBytes,
            plan.Budget.FreeBytes,
            plan.Budget.Source,
            plan.Requested,
            WeightDType.NameOf(plan.DType),
            plan.Reason,
            rows,
            plan.RequiredBytes(rows, length),
            plan.Known ? maxRows : null,
            !plan.Known || maxRows >= rows);
    }
}
