namespace LvmCloud.Vision.Models;

/// <summary>What <see cref="ModelImporter"/> assembles: two downloaded Hugging Face folders into one model folder.</summary>
/// <param name="TransformerDirectory">The transformer's repository (LlamaConfig <c>config.json</c>, safetensors shards or a .bin).</param>
/// <param name="TokenizerDirectory">The VQGAN's repository (open-muse <c>config.json</c>, <c>pytorch_model.bin</c> or safetensors).</param>
/// <param name="Name">Model name written to <c>lvm.json</c>.</param>
/// <param name="Version">Model version written to <c>lvm.json</c>.</param>
/// <param name="ContextFrames">Images that fit the transformer's context (LVM: 16).</param>
/// <param name="OutputDirectory">The model folder to create; it must not exist yet.</param>
public sealed record ModelImportRequest(
    string TransformerDirectory,
    string TokenizerDirectory,
    string Name,
    string Version,
    int ContextFrames,
    string OutputDirectory);
