namespace LvmCloud.Vision.Checkpoints;

/// <summary>
/// One tensor of a checked <c>torch.save</c> state_dict: the zip entry holding its storage, the storage type
/// (<c>FloatStorage</c>, ...), and the view (offset in elements, size, stride) that <c>_rebuild_tensor_v2</c> would make.
/// </summary>
public sealed record PickledTensor(string Name, string StorageEntry, string StorageType, long Offset, long[] Size, long[] Stride)
{
    /// <summary>True when the view is the storage's elements from <see cref="Offset"/> in row-major order (what can be read as one run of bytes).</summary>
    public bool IsContiguous
    {
        get
        {
            long expected = 1;
            for (int i = Size.Length - 1; i >= 0; i--)
            {
                if (Size[i] != 1 && Stride[i] != expected) return false;
                expected *= Size[i];
            }
            return true;
        }
    }
}
