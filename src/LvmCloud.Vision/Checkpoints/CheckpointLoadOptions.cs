namespace LvmCloud.Vision.Checkpoints;

/// <summary>How a checkpoint is read into a model.</summary>
/// <param name="ChunkBytes">
/// Size of the one staging buffer a tensor passes through when its dtype or device differs from the file's: a load's
/// memory beyond the model itself. Tensors whose dtype matches on the CPU are read straight into their storage and
/// never use it. 32 MiB by default: large enough that reads run at disk speed, small beside any real model.
/// </param>
public sealed record CheckpointLoadOptions(long ChunkBytes = CheckpointLoadOptions.DefaultChunkBytes)
{
    public const long DefaultChunkBytes = 32L * 1024 * 1024;

    /// <summary>The largest chunk accepted (one read into a span is at most 2 GB).</summary>
    public const long MaxChunkBytes = 1L << 30;

    public static CheckpointLoadOptions Default { get; } = new();

    /// <summary>Checks <see cref="ChunkBytes"/> and returns this.</summary>
    public CheckpointLoadOptions Validate() =>
        ChunkBytes is >= 16 and <= MaxChunkBytes
            ? this
            : throw new ArgumentOutOfRangeException(nameof(ChunkBytes), ChunkBytes, $"The staging chunk must be 16 bytes to {MaxChunkBytes} bytes (1 GiB).");
}
