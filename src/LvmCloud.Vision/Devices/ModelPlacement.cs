using LvmCloud.Vision.Checkpoints;
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
        return new ModelPlacement(ComputeDevice.Resolve(device, deviceSetting), dtype!);
    }

    /// <summary>The dtype the transformer weights in <paramref name="directory"/> load in: <see cref="WeightDType.Resolve"/> of their stored dtype.</summary>
    public ScalarType TransformerDType(string directory) =>
        WeightDType.Resolve(DType, Device, DType == WeightDType.Auto ? StoredDType.Of(directory) : ScalarType.Float32); // only auto reads the files

    /// <summary>A Hugging Face LLaMA folder's model, on <see cref="Device"/> in <see cref="TransformerDType"/>, in eval mode.</summary>
    public LlamaForCausalLM LoadTransformer(string directory) =>
        LlamaForCausalLM.FromPretrained(directory, Device, TransformerDType(directory));

    /// <summary>A VQGAN folder's tokenizer on <see cref="Device"/>, in float32.</summary>
    public VqganTokenizer LoadTokenizer(string directory, int maxBatchSize = VqganTokenizer.DefaultMaxBatchSize) =>
        VqganTokenizer.Load(directory, Device, maxBatchSize);

    /// <summary>"cuda bfloat16", "cpu float32 (auto)": for log lines.</summary>
    public string Describe(ScalarType loaded) =>
        $"{Device.type.ToString().ToLowerInvariant()} {WeightDType.NameOf(loaded)}{(DType == WeightDType.Auto ? " (auto)" : "")}";
}
