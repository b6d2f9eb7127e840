using LvmCloud.Vision.Checkpoints;
using LvmCloud.Vision.Memory;
using LvmCloud.Vision.Tokenizer;
using LvmCloud.Vision.Transformer;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Devices;

/// <summary>
/// Where a model's weights go and in which dtype: the device, and the <see cref="WeightDType"/> choice for the
/// transformer. The VQGAN always runs in float32: its codes come from an argmin over codebook distances whose
/// smallest gaps are far below half precision's resolution, and it is small beside the transformer.
/// </summary>
/// <param name="Device">Where every tensor of the model lives.</param>
/// <param name="DType">A <see cref="WeightDType"/> name: <c>auto</c>, <c>float32</c>, <c>bfloat16</c> or <c>float16</c>.</param>
public sealed record ModelPlacement(Device Device, string DType = WeightDType.Auto)
{
    /// <summary>What the process may use; null (the default) detects it at each plan (<see cref="MemoryBudget.Detect(Device)"/>).</summary>
    public MemoryBudget? Budget { get; init; }

    /// <summary>Where <see cref="DType"/> is set (<c>--dtype</c>, <c>Worker:DType</c>), named in refusals.</summary>
    public string DTypeSetting { get; init; } = "--dtype";

    /// <summary>The budget plans are made against now.</summary>
    public MemoryBudget CurrentBudget() => Budget ?? MemoryBudget.Detect(Device);

    /// <summary>The memory plan of a model folder (<c>tokenizer/</c>, <c>transformer/</c>, <c>lvm.json</c>) at its full context, from configs and headers only.</summary>
    public MemoryPlan PlanModel(string modelDirectory, int tokenizerBatch = VqganTokenizer.DefaultMaxBatchSize) =>
        MemoryPlanner.ForModelFolder(modelDirectory, Device, DType, CurrentBudget(), DTypeSetting, tokenizerBatch);

    /// <summary>The memory plan of a transformer folder alone at <paramref name="sequenceLength"/> tokens per row (default: its max_position_embeddings).</summary>
    public MemoryPlan PlanTransformer(string directory, int? sequenceLength = null)
    {
        var footprint = TransformerFootprint.Read(directory);
        return MemoryPlanner.Plan(footprint, null, Device, DType, CurrentBudget(), sequenceLength ?? footprint.Config.MaxPositionEmbeddings, DTypeSetting);
    }

    /// <summary>float32 on the CPU: what the project's models ran as before any choice existed.</summary>
    public static ModelPlacement CpuFloat32 { get; } = new(CPU, WeightDType.Float32);

    /// <summary>
    /// The placement that <paramref name="device"/> and <paramref name="dtype"/> name, checked together;
    /// <paramref name="deviceSetting"/> and <paramref name="dtypeSetting"/> name them in messages.
    /// </summary>
    /// <exception cref="ArgumentException">A name outside the accepted ones.</exception>
    /// <exception cref="DeviceUnavailableException"><c>cuda</c> on a build or machine without it.</exception>
    public static ModelPlacement Resolve(string? device, string? dtype, string deviceSetting, string dtypeSetting)
    {
        if (WeightDType.Problem(dtype, dtypeSetting) is { } problem)
            throw new ArgumentException(problem);
        return new ModelPlacement(ComputeDevice.Resolve(device, deviceSetting), dtype!) { DTypeSetting = dtypeSetting };
    }

    /// <summary>The dtype the transformer weights in <paramref name="directory"/> load in: the choice of its <see cref="PlanTransformer"/>.</summary>
    public ScalarType TransformerDType(string directory) => PlanTransformer(directory).DType;

    /// <summary>
    /// A Hugging Face LLaMA folder's model, on <see cref="Device"/> in the dtype its plan chooses (one row at its
    /// max_position_embeddings), in eval mode.
    /// </summary>
    /// <exception cref="ModelDoesNotFitException">One row does not fit: nothing is loaded.</exception>
    public LlamaForCausalLM LoadTransformer(string directory) => LoadTransformer(directory, PlanTransformer(directory).EnsureFits());

    /// <summary>A Hugging Face LLaMA folder's model on <see cref="Device"/> in <paramref name="plan"/>'s dtype (the caller checked the plan).</summary>
    public LlamaForCausalLM LoadTransformer(string directory, MemoryPlan plan) =>
        LlamaForCausalLM.FromPretrained(directory, Device, plan.DType);

    /// <summary>A VQGAN folder's tokenizer on <see cref="Device"/>, in float32.</summary>
    public VqganTokenizer LoadTokenizer(string directory, int maxBatchSize = VqganTokenizer.DefaultMaxBatchSize) =>
        VqganTokenizer.Load(directory, Device, maxBatchSize);

    /// <summary>"cuda bfloat16", "cpu float32 (auto)": for log lines.</summary>
    public string Describe(ScalarType loaded) =>
        $"{Device.type.ToString().ToLowerInvariant()} {WeightDType.NameOf(loaded)}{(DType == WeightDType.Auto ? " (auto)" : "")}";
}
