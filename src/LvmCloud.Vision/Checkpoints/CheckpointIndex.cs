namespace LvmCloud.Vision.Checkpoints;

/// <summary>
/// Where every tensor of a checkpoint lies, from the files' checked headers alone (<see cref="SafetensorsCheck"/>,
/// <see cref="PickleCheck"/>): no weight is read to build it. A <c>torch.save</c> file whose state_dict has a
/// non-contiguous tensor cannot be read as byte runs and is listed in <see cref="WholeFiles"/> instead.
/// </summary>
/// <param name="Tensors">Every streamable tensor, file by file in the checkpoint's order, by offset within a file (a name in two files appears twice).</param>
/// <param name="WholeFiles">Files that must be read whole (see above).</param>
public sealed record CheckpointIndex(IReadOnlyList<StoredTensor> Tensors, IReadOnlyList<string> WholeFiles)
{
    /// <summary>Checks every file of <paramref name="files"/> and lists its tensors.</summary>
    /// <exception cref="CheckpointException">A file fails its check (named, with the tensor).</exception>
    public static CheckpointIndex Read(CheckpointFiles files)
    {
        var tensors = new List<StoredTensor>();
        var wholeFiles = new List<string>();
        foreach (var path in files.Paths)
        {
            if (files.Format == CheckpointFormat.Safetensors)
            {
                var header = SafetensorsCheck.ReadHeader(path);
                tensors.AddRange(header.Tensors.OrderBy(t => t.Begin).Select(t => new StoredTensor(
                    t.Name, path, StoredTensor.FromSafetensors(t.DType), t.Shape, header.DataStart + t.Begin, t.End - t.Begin)));
                continue;
            }

            var pickled = PickleCheck.ReadTensors(path);
            if (pickled is null || pickled.Any(t => !t.IsContiguous))
            {
                wholeFiles.Add(path);
                continue;
            }

            foreach (var t in pickled.OrderBy(t => t.StorageEntry, StringComparer.Ordinal).ThenBy(t => t.Offset))
            {
                var dtype = StoredTensor.FromStorage(t.StorageType);
                long elementBytes = ElementBytes(dtype);
                long elements = t.Size.Aggregate(1L, (a, b) => a * b);
                tensors.Add(new StoredTensor(t.Name, path, dtype, t.Size, t.Offset * elementBytes, elements * elementBytes, t.StorageEntry));
            }
        }

        return new CheckpointIndex(tensors, wholeFiles);
    }

    internal static long ElementBytes(TorchSharp.torch.ScalarType dtype) => dtype switch
    {
        TorchSharp.torch.ScalarType.Float64 or TorchSharp.torch.ScalarType.Int64 => 8,
        TorchSharp.torch.ScalarType.Float32 or TorchSharp.torch.ScalarType.Int32 => 4,
        TorchSharp.torch.ScalarType.Float16 or TorchSharp.torch.ScalarType.BFloat16 or TorchSharp.torch.ScalarType.Int16 => 2,
        _ => 1,
    };
}
