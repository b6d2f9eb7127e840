using System.Globalization;

namespace LvmCloud.Vision.Checkpoints;

/// <summary>What one checkpoint load cost: bytes read from the files, wall time, and the staging memory it used beside the model.</summary>
/// <param name="Files">Weight files read.</param>
/// <param name="Tensors">Tensors filled.</param>
/// <param name="BytesRead">Bytes of tensor data read from the files (headers not counted).</param>
/// <param name="Elapsed">Wall time from the first header read to the last tensor in place.</param>
/// <param name="PeakStagingBytes">Largest staging buffer held at once (at most the chunk size; 0 when every tensor was read in place).</param>
/// <param name="DirectBytes">Bytes read straight into a tensor's own storage (dtype matched, on the CPU).</param>
/// <param name="WholeFileReads">Files read whole through TorchSharp.PyBridge because they could not be streamed (a <c>.bin</c> with a non-contiguous tensor).</param>
public sealed record LoadStatistics(int Files, int Tensors, long BytesRead, TimeSpan Elapsed, long PeakStagingBytes, long DirectBytes, int WholeFileReads)
{
    /// <summary>Bytes read per second (0 for an instant load).</summary>
    public double BytesPerSecond => Elapsed.TotalSeconds > 0 ? BytesRead / Elapsed.TotalSeconds : 0;

    /// <summary>"loaded 13.1 GB in 12.3 s (1.07 GB/s)" (decimal gigabytes).</summary>
    public override string ToString() => string.Format(
        CultureInfo.InvariantCulture, "loaded {0:0.0##} GB in {1:0.0} s ({2:0.00} GB/s)", BytesRead / 1e9, Elapsed.TotalSeconds, BytesPerSecond / 1e9);
}
