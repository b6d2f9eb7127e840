namespace LvmCloud.Worker.Completion;

/// <summary>
/// One item to complete: its manifest line as validated at intake (<see cref="ItemJson"/>, batch defaults
/// applied) and the bytes of its input images in manifest order.
/// </summary>
public sealed record WorkItemInput(string BatchId, string ItemId, string ItemJson, IReadOnlyList<InputImage> Inputs);

/// <summary>An input image: its path relative to <c>{batchId}/inputs/</c> and its encoded bytes (not decoded yet).</summary>
public sealed record InputImage(string Path, ReadOnlyMemory<byte> Bytes);
