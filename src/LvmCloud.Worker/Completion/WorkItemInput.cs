using LvmCloud.Core.Manifests;

namespace LvmCloud.Worker.Completion;

/// <summary>
/// One item to complete: its manifest line as validated at intake (batch defaults applied, seed fixed) and
/// the bytes of its prompt images and target images (for perplexity), each in manifest order.
/// </summary>
public sealed record WorkItemInput(string BatchId, BatchItem Item, IReadOnlyList<InputImage> Inputs, IReadOnlyList<InputImage> Targets)
{
    public string ItemId => Item.Id;
}

/// <summary>An input image: its path relative to <c>{batchId}/inputs/</c> and its encoded bytes (not decoded yet).</summary>
public sealed record InputImage(string Path, ReadOnlyMemory<byte> Bytes);
