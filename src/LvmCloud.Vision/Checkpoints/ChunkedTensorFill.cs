using TorchSharp;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Checkpoints;

/// <summary>
/// Fills tensors from their stored bytes in bounded pieces. A contiguous CPU target of the stored dtype is read into
/// its own storage; any other target (another dtype, another device) gets each piece through one staging tensor of
/// at most <see cref="CheckpointLoadOptions.ChunkBytes"/> in the stored dtype, then <c>copy_</c> into its flat slice
/// (libtorch's own conversion, so values are bit for bit what a whole-tensor <c>copy_</c> gives). Counts what it read.
/// </summary>
internal sealed class ChunkedTensorFill(StoredTensorReader reader, long chunkBytes) : IDisposable
{
    private Tensor? staging; // one at a time, in the dtype of the tensor being read

    public long BytesRead { get; private set; }

    public long DirectBytes { get; private set; }

    public long PeakStagingBytes { get; private set; }

    /// <summary>Fills <paramref name="target"/> (same shape as <paramref name="source"/>) with the stored values.</summary>
    public void Fill(Tensor target, StoredTensor source)
    {
        long elements = target.numel();
        if (elements == 0) return;
        long storedElementBytes = source.ByteLength / elements;
        using var bytes = reader.Open(source);
        using var scope = NewDisposeScope();
        if (!target.is_contiguous())
        {
            // A real module's view-like parameter (never one this loader made): fill a contiguous copy, then copy it in.
            var contiguousCopy = empty(target.shape, target.dtype, target.device);
            FillContiguous(contiguousCopy, bytes, storedElementBytes, source);
            target.copy_(contiguousCopy);
            return;
        }

        FillContiguous(target, bytes, storedElementBytes, source);
    }

    private void FillContiguous(Tensor target, StoredTensorReader.ITensorBytes bytes, long storedElementBytes, StoredTensor source)
    {
        var flat = target.view(-1);
        long elements = flat.numel();
        bool direct = target.device_type == DeviceType.CPU && target.dtype == source.DType;
        long chunkElements = Math.Max(1, chunkBytes / Math.Max(storedElementBytes, target.element_size()));
        for (long start = 0; start < elements; start += chunkElements)
        {
            long count = Math.Min(chunkElements, elements - start);
            using var slice = flat.narrow(0, start, count);
            if (direct)
            {
                bytes.ReadNext(slice.bytes);
                DirectBytes += count * storedElementBytes;
            }
            else
            {
                using var stage = Staging(source.DType, chunkElements).narrow(0, 0, count);
                bytes.ReadNext(stage.bytes);
                slice.copy_(stage);
            }

            BytesRead += count * storedElementBytes;
        }
    }

    private Tensor Staging(ScalarType dtype, long elements)
    {
        if (staging is not null && staging.dtype == dtype && staging.numel() >= elements)
            return staging;
        staging?.Dispose();
        staging = empty([elements], dtype, CPU).DetachFromDisposeScope();
        PeakStagingBytes = Math.Max(PeakStagingBytes, elements * staging.element_size());
        return staging;
    }

    public void Dispose()
    {
        staging?.Dispose();
        staging = null;
    }
}
