using System.Text.Json.Serialization;
using LvmCloud.Vision.Devices;
using LvmCloud.Vision.Memory;

namespace LvmCloud.Cli.Commands.Models;

/// <summary>A <see cref="MemoryPlan"/> as <c>lvm models plan --json</c> prints it: bytes as integers, null where unknown.</summary>
public sealed record MemoryPlanDocument(
    [property: JsonPropertyName("device")] string Device,
    [property: JsonPropertyName("parameters")] long Parameters,
    [property: JsonPropertyName("storedDtype")] string StoredDtype,
    [property: JsonPropertyName("transformerBytes")] IReadOnlyDictionary<string, long> TransformerBytes,
    [property: JsonPropertyName("vqganBytes")] long? VqganBytes,
    [property: JsonPropertyName("vqganBatchBytes")] long? VqganBatchBytes,
    [property: JsonPropertyName("sequenceLength")] int SequenceLength,
    [property: JsonPropertyName("kvCacheBytesPerRow")] long KvCacheBytesPerRow,
    [property: JsonPropertyName("activationBytesPerRow")] long ActivationBytesPerRow,
    [property: JsonPropertyName("runtimeOverheadBytes")] long RuntimeOverheadBytes,
    [property: JsonPropertyName("freeBytes")] long? FreeBytes,
    [property: JsonPropertyName("freeSource")] string FreeSource,
    [property: JsonPropertyName("requested")] string Requested,
    [property: JsonPropertyName("dtype")] string Dtype,
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("rows")] int Rows,
    [property: JsonPropertyName("requiredBytes")] long RequiredBytes,
    [property: JsonPropertyName("maxRows")] int? MaxRows,
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
