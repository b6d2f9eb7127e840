using System.Collections;
using System.Diagnostics;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Checkpoints;

/// <summary>
/// Loads Hugging Face / open-muse weights into a module by parameter name, each tensor straight from its file into
/// its parameter: safetensors by offset, <c>torch.save</c> archives by zip entry, a dtype or device change through one
/// bounded staging chunk (<see cref="CheckpointLoadOptions.ChunkBytes"/>). A load costs reading the bytes; its memory is
/// the model plus one chunk. Every file's header is checked and every name matched before any weight is read.
/// </summary>
public static class CheckpointLoader
{
    /// <summary>Tensors that checkpoints may carry but that a model recomputes (HF's old rotary buffers).</summary>
    public static bool IsIgnorableExtra(string name) => name.EndsWith(".rotary_emb.inv_freq", StringComparison.Ordinal);

    /// <summary>
    /// Copies every tensor of the checkpoint in <paramref name="directory"/> into <paramref name="module"/> (a module
    /// with real, allocated parameters), converting fp16/bf16/fp32 on disk to each parameter's dtype. Throws
    /// <see cref="CheckpointException"/> naming each missing, unexpected, misshapen or duplicated tensor before any
    /// weight is read; a file damaged while reading leaves the module partly loaded.
    /// </summary>
    public static LoadStatistics LoadInto(nn.Module module, string directory, CheckpointLoadOptions? options = null) =>
        LoadInto(module, CheckpointFiles.Find(directory), options);

    /// <inheritdoc cref="LoadInto(nn.Module, string, CheckpointLoadOptions?)"/>
    public static LoadStatistics LoadInto(nn.Module module, CheckpointFiles files, CheckpointLoadOptions? options = null) =>
        Load(module, files, materializeOn: null, options ?? CheckpointLoadOptions.Default);

    /// <summary>
    /// Fills a module built on the <c>meta</c> device (shapes and dtypes only: no memory, no random initialisation):
    /// each parameter and buffer becomes a tensor of its own dtype on <paramref name="device"/>, filled from the
    /// checkpoint, and put in place of the meta tensor by name (<see cref="ModuleTensorSlot"/>). Checks as
    /// <see cref="LoadInto(nn.Module, string, CheckpointLoadOptions?)"/> does. On any exception the module is left
    /// partly on the meta device: dispose it.
    /// </summary>
    public static LoadStatistics Materialize(nn.Module module, string directory, Device device, CheckpointLoadOptions? options = null) =>
        Materialize(module, CheckpointFiles.Find(directory), device, options);

    /// <inheritdoc cref="Materialize(nn.Module, string, Device, CheckpointLoadOptions?)"/>
    public static LoadStatistics Materialize(nn.Module module, CheckpointFiles files, Device device, CheckpointLoadOptions? options = null) =>
        Load(module, files, device, options ?? CheckpointLoadOptions.Default);

    private static LoadStatistics Load(nn.Module module, CheckpointFiles files, Device? materializeOn, CheckpointLoadOptions options)
    {
        options.Validate();
        var clock = Stopwatch.StartNew();
        var slots = ModuleTensorSlot.Of(module).ToDictionary(s => s.Name, StringComparer.Ordinal);
        if (materializeOn is null && slots.Values.FirstOrDefault(s => s.Value.is_meta) is { } metaSlot)
            throw new InvalidOperationException($"Tensor '{metaSlot.Name}' is on the meta device: use CheckpointLoader.Materialize to load a module built on meta.");

        var index = CheckpointIndex.Read(files);
        var problems = new List<string>();
        var loaded = new HashSet<string>(StringComparer.Ordinal);
        var plan = new List<(ModuleTensorSlot Slot, StoredTensor Source)>();
        foreach (var source in index.Tensors)
            if (Match(slots, source.Name, source.Shape, Path.GetFileName(source.Path), loaded, problems) is { } slot)
                plan.Add((slot, source));
        if (index.WholeFiles.Count == 0) AddMissing(slots, loaded, problems);
        ThrowIfAny(problems, files);

        using var reader = new StoredTensorReader();
        using var fill = new ChunkedTensorFill(reader, options.ChunkBytes);
        long wholeFileBytes = 0;
        using (no_grad())
        {
            foreach (var (slot, source) in plan)
                FillSlot(slot, materializeOn, target => FillNamingFile(fill, target, source));
            foreach (var path in index.WholeFiles)
                wholeFileBytes += LoadWholeFile(files.Format, path, slots, materializeOn, loaded, problems);
        }

        if (index.WholeFiles.Count > 0) AddMissing(slots, loaded, problems);
        ThrowIfAny(problems, files);
        if (materializeOn is not null && ModuleTensorSlot.Of(module).Where(s => s.Value.is_meta).Select(s => s.Name).ToList() is { Count: > 0 } left)
            throw new InvalidOperationException($"After loading, {left.Count} tensor(s) are still on the meta device ({string.Join(", ", left.Take(10))}): a module built on meta must hold only checkpoint tensors.");
        return new LoadStatistics(files.Paths.Count, plan.Count, fill.BytesRead + wholeFileBytes, clock.Elapsed, fill.PeakStagingBytes, fill.DirectBytes, index.WholeFiles.Count);
    }

    /// <summary>The slot a stored tensor goes to, or null (with the problem noted) when it is unexpected, misshapen or a duplicate.</summary>
    private static ModuleTensorSlot? Match(Dictionary<string, ModuleTensorSlot> slots, string name, long[] shape, string file, HashSet<string> loaded, List<string> problems)
    {
        if (!slots.TryGetValue(name, out var slot))
        {
            if (!IsIgnorableExtra(name)) problems.Add($"unexpected tensor '{name}' {Shape(shape)} in {file}");
            return null;
        }

        if (!shape.SequenceEqual(slot.Value.shape))
        {
            loaded.Add(name); // reported as misshapen, not also as missing
            problems.Add($"misshapen tensor '{name}': checkpoint {Shape(shape)}, model {Shape(slot.Value.shape)}");
            return null;
        }

        if (!loaded.Add(name))
        {
            problems.Add($"tensor '{name}' appears in more than one shard");
            return null;
        }

        return slot;
    }

    /// <summary>Fills a slot in place, or (meta) fills a new tensor of the slot's dtype on the device and puts it in the slot.</summary>
    private static void FillSlot(ModuleTensorSlot slot, Device? materializeOn, Action<Tensor> fillTarget)
    {
        if (!slot.Value.is_meta)
        {
            fillTarget(slot.Value);
            return;
        }

        var target = empty(slot.Value.shape, slot.Value.dtype, materializeOn!);
        try
        {
            Native.HugePages.Advise(target); // before the first write: that is when the pages fault in
            fillTarget(target);
        }
        catch
        {
            target.Dispose();
            throw;
        }

        slot.Replace(target);
    }

    private static void FillNamingFile(ChunkedTensorFill fill, Tensor target, StoredTensor source)
    {
        try
        {
            fill.Fill(target, source);
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
        {
            long length = File.Exists(source.Path) ? new FileInfo(source.Path).Length : 0;
            throw new InvalidDataException($"'{source.Path}' ({length} bytes) could not be read at tensor '{source.Name}', truncated or damaged ({e.GetType().Name}: {e.Message}).", e);
        }
    }

    /// <summary>A file that cannot be streamed, read whole (the pre-streaming path): returns the bytes of the tensors it filled.</summary>
    private static long LoadWholeFile(CheckpointFormat format, string path, Dictionary<string, ModuleTensorSlot> slots, Device? materializeOn, HashSet<string> loaded, List<string> problems)
    {
        var tensors = ReadFile(format, path);
        long bytes = 0;
        try
        {
            foreach (var (name, source) in tensors)
            {
                if (Match(slots, name, source.shape, Path.GetFileName(path), loaded, problems) is not { } slot)
                    continue;
                FillSlot(slot, materializeOn, target => target.copy_(source));
                bytes += source.numel() * source.element_size();
            }
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }

        return bytes;
    }

    private static void AddMissing(Dictionary<string, ModuleTensorSlot> slots, HashSet<string> loaded, List<string> problems)
    {
        foreach (var (name, slot) in slots)
            if (!loaded.Contains(name)) problems.Add($"missing tensor '{name}' {Shape(slot.Value.shape)}");
    }

    private static void ThrowIfAny(List<string> problems, CheckpointFiles files)
    {
        if (problems.Count == 0) return;
        string where = string.Join(", ", files.Paths.Select(Path.GetFileName));
        throw new CheckpointException(
            $"Checkpoint ({where}) does not fit the model: {problems.Count} problem(s): {string.Join("; ", problems.Take(20))}{(problems.Count > 20 ? "; ..." : "")}",
            problems);
    }

    /// <summary>Reads one weight file into a name → tensor map (the caller disposes the tensors).</summary>
    /// <remarks>
    /// The file is checked first (<see cref="SafetensorsCheck"/>, <see cref="PickleCheck"/>): a header that lies about
    /// sizes or offsets, a truncated file or a pickle asking for anything but tensor rebuilding is refused with a
    /// <see cref="CheckpointException"/> naming the file before a tensor is allocated or anything is unpickled.
    /// </remarks>
    /// <exception cref="InvalidDataException">The file passed its check but cannot be read as its format (damaged), naming it.</exception>
    public static Dictionary<string, Tensor> ReadFile(CheckpointFormat format, string path)
    {
        if (format == CheckpointFormat.Safetensors)
            SafetensorsCheck.Check(path);
        else
            PickleCheck.Check(path);
        try
        {
            return ReadFileUnchecked(format, path);
        }
        catch (Exception e) when (e is EndOfStreamException or System.Text.Json.JsonException or ArgumentException or FormatException
                                      or OverflowException or NotSupportedException or IndexOutOfRangeException
                                      or (IOException and not FileNotFoundException and not DirectoryNotFoundException))
        {
            // A file cut short (an interrupted copy or upload) ends before its header says it does.
            long length = File.Exists(path) ? new FileInfo(path).Length : 0;
            string detail = string.IsNullOrWhiteSpace(e.Message) ? e.GetType().Name : $"{e.GetType().Name}: {e.Message}";
            throw new InvalidDataException($"'{path}' ({length} bytes) is not a readable {format} file, truncated or damaged ({detail}).", e);
        }
    }

    private static Dictionary<string, Tensor> ReadFileUnchecked(CheckpointFormat format, string path)
    {
        if (format == CheckpointFormat.Safetensors) return Safetensors.LoadStateDict(path);
        Hashtable table = PyTorchUnpickler.UnpickleStateDict(path);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in table)
        {
            if (entry.Key is string name && entry.Value is Tensor t) result[name] = t;
            else throw new InvalidDataException($"'{path}' holds a non-tensor entry '{entry.Key}': expected a state_dict of tensors.");
        }
        return result;
    }

    internal static string Shape(long[] shape) => "[" + string.Join(",", shape) + "]";
}
