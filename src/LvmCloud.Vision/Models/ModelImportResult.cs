using LvmCloud.Vision.Pipelines;
using LvmCloud.Vision.Tokenizer;
using LvmCloud.Vision.Transformer;

namespace LvmCloud.Vision.Models;

/// <summary>An assembled, validated model folder.</summary>
/// <param name="Directory">The model folder.</param>
/// <param name="Settings">What <c>lvm.json</c> says.</param>
/// <param name="Transformer">The transformer's config.</param>
/// <param name="Tokenizer">The VQGAN's config.</param>
/// <param name="TransformerTensors">Tensors checked in the transformer's checkpoint.</param>
/// <param name="TokenizerTensors">Tensors checked in the VQGAN's checkpoint.</param>
/// <param name="Files">Every file placed, linked or copied.</param>
public sealed record ModelImportResult(
    string Directory,
    LvmModelSettings Settings,
    LlamaConfig Transformer,
    VqganConfig Tokenizer,
    int TransformerTensors,
    int TokenizerTensors,
    IReadOnlyList<ImportedFile> Files);
