using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace LvmCloud.Vision.Checkpoints;

/// <summary>
/// Checks a zip-format PyTorch checkpoint (<c>torch.save</c> of a state_dict) before it is unpickled. The pickle in
/// <c>data.pkl</c> is run on a stack machine that builds inert values only: it may name no global but
/// <c>collections.OrderedDict</c>, <c>torch._utils._rebuild_tensor(_v2)</c> and the <c>torch.*Storage</c> types,
/// use no opcode outside the plain-data set, and every tensor's storage must be a <c>data/</c> entry of the archive
/// at least as long as the storage, with a shape and strides inside it. Anything else is refused with a
/// <see cref="CheckpointException"/> naming the file and what it asked for; nothing in the pickle is executed and
/// memory is bounded by the archive's own entries.
/// </summary>
public static class PickleCheck
{
    /// <summary>The largest <c>data.pkl</c> accepted (a state_dict's pickle holds names and shapes, never weights).</summary>
    public const long MaxPickleBytes = 64L * 1024 * 1024;

    private static readonly Dictionary<string, int> StorageBytes = new(StringComparer.Ordinal)
    {
        ["DoubleStorage"] = 8,
        ["FloatStorage"] = 4,
        ["HalfStorage"] = 2,
        ["BFloat16Storage"] = 2,
        ["LongStorage"] = 8,
        ["IntStorage"] = 4,
        ["ShortStorage"] = 2,
        ["CharStorage"] = 1,
        ["ByteStorage"] = 1,
        ["BoolStorage"] = 1,
    };

    private sealed record Global(string Module, string Name)
    {
        public override string ToString() => $"{Module}.{Name}";
    }

    private sealed record Reduced(Global Callable, object?[] Args);

    private sealed record Persistent(object?[] Id);

    private sealed class Mark;

    public static void Check(string path) => Inspect(path);

    /// <summary>
    /// Checks the file as <see cref="Check"/> does and, when its pickle is a flat state_dict (tensor name → tensor),
    /// returns every tensor's storage entry, storage type, offset, size and stride; <c>null</c> for any other layout.
    /// Nothing is unpickled into tensors and no storage is read.
    /// </summary>
    public static IReadOnlyList<PickledTensor>? ReadTensors(string path)
    {
        var inspection = Inspect(path);
        var dict = inspection.Root switch
        {
            Dictionary<object, object?> d => d,
            Reduced { Callable.Name: "OrderedDict", Args: [.., Dictionary<object, object?> inner] } => inner,
            _ => null,
        };
        if (dict is null) return null;
        var tensors = new List<PickledTensor>();
        foreach (var (key, value) in dict)
        {
            if (key is not string name || value is not Reduced { Callable.Name: "_rebuild_tensor_v2" or "_rebuild_tensor" } tensor
                || tensor.Args is not [Persistent { Id: [_, Global storage, string storageKey, _, long _] }, long offset, object?[] size, object?[] stride, ..])
                return null;
            tensors.Add(new PickledTensor(name, $"{inspection.Prefix}data/{storageKey}", storage.Name, offset,
                size.Select(s => (long)s!).ToArray(), stride.Select(s => (long)s!).ToArray()));
        }
        return tensors;
    }

    /// <summary>
    /// Checks the file as <see cref="Check"/> does and returns how many elements its tensor storages hold per storage
    /// type (<c>FloatStorage</c>, <c>BFloat16Storage</c>, ...), each storage counted once however many tensors view it.
    /// </summary>
    public static IReadOnlyDictionary<string, long> StorageElements(string path) =>
        Inspect(path).Storages.Values.GroupBy(s => s.Type, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(s => s.Elements), StringComparer.Ordinal);

    /// <summary>
    /// Checks the file as <see cref="Check"/> does and returns the state_dict's tensors by name: each one's storage
    /// type and shape, read from the pickle alone (no storage is read).
    /// </summary>
    public static IReadOnlyDictionary<string, (string StorageType, long[] Shape)> TensorShapes(string path)
    {
        var tensors = new Dictionary<string, (string StorageType, long[] Shape)>(StringComparer.Ordinal);
        CollectTensors(Inspect(path).Root, tensors);
        return tensors;
    }

    /// <summary>What a checked file holds: its storages by key (type and element count), the pickle's inert value, and the archive's folder prefix.</summary>
    private sealed record Inspection(Dictionary<string, (string Type, long Elements)> Storages, object? Root, string Prefix);

    private static Inspection Inspect(string path)
    {
        string name = Path.GetFileName(path);
        using var stream = File.OpenRead(path);
        Span<byte> signature = stackalloc byte[4];
        if (stream.Length < 4 || stream.Read(signature) < 4 || !signature.SequenceEqual("PK\x03\x04"u8))
            throw Refused(name, "it is not a zip-format torch.save file (the legacy format is not read; re-save it with PyTorch 1.6 or later)");
        stream.Position = 0;
        ZipArchive archive;
        try
        {
            archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException e)
        {
            throw Refused(name, $"the zip archive cannot be read: {e.Message}");
        }

        using (archive)
        {
            var pickles = archive.Entries.Where(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) || e.FullName == "data.pkl").ToList();
            if (pickles.Count != 1)
                throw Refused(name, $"it holds {pickles.Count} data.pkl entries, expected exactly one");
            var pkl = pickles[0];
            if (pkl.Length > MaxPickleBytes)
                throw Refused(name, $"data.pkl is {pkl.Length} bytes, the limit is {MaxPickleBytes}");
            string root = pkl.FullName[..^"data.pkl".Length];
            byte[] bytes;
            try
            {
                using var content = pkl.Open();
                using var buffer = new MemoryStream();
                content.CopyTo(buffer);
                bytes = buffer.ToArray();
            }
            catch (InvalidDataException e)
            {
                throw Refused(name, $"data.pkl cannot be decompressed: {e.Message}");
            }

            object? result;
            try
            {
                result = Run(bytes);
            }
            catch (PickleRefusedException e)
            {
                throw Refused(name, e.Message);
            }

            var problems = new List<string>();
            var storages = new Dictionary<string, (string Type, long Elements)>(StringComparer.Ordinal);
            CheckTensors(result, archive, root, problems, storages, depth: 0);
            if (problems.Count > 0)
                throw new CheckpointException($"'{name}' is refused: {string.Join("; ", problems.Take(10))}{(problems.Count > 10 ? "; ..." : "")}", problems);
            return new Inspection(storages, result, root);
        }
    }

    private static void CheckTensors(object? value, ZipArchive archive, string root, List<string> problems, Dictionary<string, (string Type, long Elements)> storages, int depth)
    {
        if (depth > 64)
        {
            problems.Add("the pickle nests values more than 64 deep");
            return;
        }

        switch (value)
        {
            case Reduced { Callable.Name: "_rebuild_tensor_v2" or "_rebuild_tensor" } tensor:
                CheckTensor(tensor, archive, root, problems, storages);
                break;
            case Reduced reduced:
                foreach (var arg in reduced.Args)
                    CheckTensors(arg, archive, root, problems, storages, depth + 1);
                break;
            case Persistent persistent:
                problems.Add($"a persistent id {Describe(persistent.Id)} is used outside a tensor");
                break;
            case Dictionary<object, object?> dict:
                foreach (var (k, v) in dict)
                {
                    CheckTensors(k, archive, root, problems, storages, depth + 1);
                    CheckTensors(v, archive, root, problems, storages, depth + 1);
                }
                break;
            case List<object?> list:
                foreach (var item in list)
                    CheckTensors(item, archive, root, problems, storages, depth + 1);
                break;
            case object?[] tuple:
                foreach (var item in tuple)
                    CheckTensors(item, archive, root, problems, storages, depth + 1);
                break;
        }
    }

    /// <summary>The checked state_dict's (an OrderedDict or dict) tensors by their string keys.</summary>
    private static void CollectTensors(object? result, Dictionary<string, (string StorageType, long[] Shape)> tensors)
    {
        var dict = result switch
        {
            Dictionary<object, object?> d => d,
            Reduced { Callable.Name: "OrderedDict", Args: [.., Dictionary<object, object?> inner] } => inner,
            _ => throw new CheckpointException($"the pickle holds {Describe(result)}, not a state_dict (a dict of tensors)", ["not a state_dict"]),
        };
        foreach (var (key, value) in dict)
            if (key is string name && value is Reduced { Callable.Name: "_rebuild_tensor_v2" or "_rebuild_tensor", Args: [Persistent { Id: [_, Global storage, ..] }, _, object?[] size, ..] })
                tensors[name] = (storage.Name, size.Select(s => (long)s!).ToArray());
    }

    /// <summary>(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata]): the storage is a data/ entry that holds every element the view reaches.</summary>
    private static void CheckTensor(Reduced tensor, ZipArchive archive, string root, List<string> problems, Dictionary<string, (string Type, long Elements)> storages)
    {
        var args = tensor.Args;
        if (args.Length < 4 || args[0] is not Persistent { Id: [string kind, Global storage, string key, _, long numel] } || kind != "storage")
        {
            problems.Add($"{tensor.Callable} is called with arguments {Describe(args)}, not (storage, offset, size, stride, ...)");
            return;
        }

        if (storage.Module != "torch" || !StorageBytes.TryGetValue(storage.Name, out int elementBytes))
        {
            problems.Add($"tensor storage type {storage} is not a torch storage");
            return;
        }

        var entry = archive.GetEntry($"{root}data/{key}");
        if (entry is null)
        {
            problems.Add($"tensor storage '{key}' is not in the archive");
            return;
        }

        if (numel < 0 || numel > int.MaxValue / elementBytes || numel * elementBytes > entry.Length)
        {
            problems.Add($"tensor storage '{key}' declares {numel} {storage.Name} elements but its entry holds {entry.Length} bytes");
            return;
        }

        if (args[1] is not long offset || args[2] is not object?[] size || args[3] is not object?[] stride || size.Length != stride.Length
            || offset < 0 || size.Any(s => s is not long n || n < 0) || stride.Any(s => s is not long n || n < 0))
        {
            problems.Add($"tensor on storage '{key}' has an offset, size or stride that is not non-negative integers ({Describe(args[1..4])})");
            return;
        }

        long elements = 1, last = offset;
        for (int i = 0; i < size.Length; i++)
        {
            long n = (long)size[i]!, s = (long)stride[i]!;
            if (n == 0)
            {
                elements = 0;
                break;
            }

            if (elements > numel / n + 1 || s > numel)
            {
                elements = long.MaxValue;
                break;
            }

            elements *= n;
            last += (n - 1) * s;
        }

        if (elements > 0 && (elements > Math.Max(numel, 1) || last >= numel))
            problems.Add($"tensor on storage '{key}' with size {Describe(size)} and stride {Describe(stride)} from offset {offset} reaches past the storage's {numel} elements");
        else
            storages[key] = (storage.Name, numel);
    }

    /// <summary>Runs the pickle on a stack machine that only builds values.</summary>
    private static object? Run(byte[] data)
    {
        var stack = new List<object?>();
        var memo = new Dictionary<long, object?>();
        int pos = 0;
        long steps = 0;

        ReadOnlySpan<byte> Take(int n)
        {
            if (n < 0 || pos + n > data.Length)
                throw new PickleRefusedException($"data.pkl ends inside an opcode at byte {pos}");
            var span = data.AsSpan(pos, n);
            pos += n;
            return span;
        }

        object? Pop()
        {
            if (stack.Count == 0 || stack[^1] is Mark)
                throw new PickleRefusedException($"data.pkl pops an empty stack at byte {pos}");
            var top = stack[^1];
            stack.RemoveAt(stack.Count - 1);
            return top;
        }

        List<object?> PopToMark()
        {
            int mark = stack.FindLastIndex(v => v is Mark);
            if (mark < 0)
                throw new PickleRefusedException($"data.pkl has no mark for the opcode at byte {pos}");
            var items = stack.GetRange(mark + 1, stack.Count - mark - 1);
            stack.RemoveRange(mark, stack.Count - mark);
            return items;
        }

        Global Name(string module, string name)
        {
            var global = new Global(module, name);
            bool allowed = (module, name) is ("collections", "OrderedDict") or ("torch._utils", "_rebuild_tensor_v2") or ("torch._utils", "_rebuild_tensor")
                           || (module == "torch" && StorageBytes.ContainsKey(name));
            return allowed
                ? global
                : throw new PickleRefusedException($"the pickle asks for {global}; only tensor rebuilding (torch._utils._rebuild_tensor_v2, torch.*Storage, collections.OrderedDict) is allowed");
        }

        Dictionary<object, object?> TargetDict(object? target) => target switch
        {
            Dictionary<object, object?> d => d,
            Reduced { Callable.Name: "OrderedDict" } r => (Dictionary<object, object?>)(r.Args.Length > 0 && r.Args[^1] is Dictionary<object, object?> inner ? inner : throw new PickleRefusedException("data.pkl sets items on an OrderedDict it did not build")),
            _ => throw new PickleRefusedException($"data.pkl sets items on {Describe(target)}, not a dict"),
        };

        while (true)
        {
            if (++steps > 50_000_000)
                throw new PickleRefusedException("data.pkl runs for more than 50 million opcodes");
            if (pos >= data.Length)
                throw new PickleRefusedException("data.pkl ends without a STOP opcode");
            byte op = data[pos++];
            switch (op)
            {
                case 0x80: Take(1); break; // PROTO
                case 0x95: Take(8); break; // FRAME
                case (byte)'.': // STOP
                    return Pop();
                case (byte)'(': stack.Add(new Mark()); break;
                case (byte)'}': stack.Add(new Dictionary<object, object?>()); break;
                case (byte)']': stack.Add(new List<object?>()); break;
                case (byte)')': stack.Add(Array.Empty<object?>()); break;
                case (byte)'N': stack.Add(null); break;
                case 0x88: stack.Add(true); break;
                case 0x89: stack.Add(false); break;
                case (byte)'t': stack.Add(PopToMark().ToArray()); break;
                case (byte)'l': stack.Add(PopToMark()); break;
                case (byte)'d':
                    {
                        var items = PopToMark();
                        var dict = new Dictionary<object, object?>();
                        for (int i = 0; i + 1 < items.Count; i += 2)
                            dict[Key(items[i])] = items[i + 1];
                        stack.Add(dict);
                        break;
                    }
                case 0x85: stack.Add(new[] { Pop() }); break;
                case 0x86: { var b = Pop(); var a = Pop(); stack.Add(new[] { a, b }); break; }
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); stack.Add(new[] { a, b, c }); break; }
                case (byte)'s': { var v = Pop(); var k = Pop(); TargetDict(stack.Count > 0 ? stack[^1] : null)[Key(k)] = v; break; }
                case (byte)'u':
                    {
                        var items = PopToMark();
                        var dict = TargetDict(stack.Count > 0 ? stack[^1] : null);
                        for (int i = 0; i + 1 < items.Count; i += 2)
                            dict[Key(items[i])] = items[i + 1];
                        break;
                    }
                case (byte)'a': { var v = Pop(); (stack.Count > 0 && stack[^1] is List<object?> list ? list : throw new PickleRefusedException("data.pkl appends to a non-list")).Add(v); break; }
                case (byte)'e': { var items = PopToMark(); (stack.Count > 0 && stack[^1] is List<object?> list ? list : throw new PickleRefusedException("data.pkl appends to a non-list")).AddRange(items); break; }
                case (byte)'0': Pop(); break;
                case (byte)'1': PopToMark(); break;
                case (byte)'2': stack.Add(stack.Count > 0 ? stack[^1] : throw new PickleRefusedException("data.pkl duplicates an empty stack")); break;
                case (byte)'q': memo[Take(1)[0]] = Peek(stack); break;
                case (byte)'r': memo[BinaryPrimitives.ReadUInt32LittleEndian(Take(4))] = Peek(stack); break;
                case 0x94: memo[memo.Count] = Peek(stack); break;
                case (byte)'h': stack.Add(Memo(memo, Take(1)[0])); break;
                case (byte)'j': stack.Add(Memo(memo, BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))); break;
                case (byte)'X': stack.Add(Text(Take(Length(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))))); break;
                case 0x8c: stack.Add(Text(Take(Take(1)[0]))); break;
                case 0x8d: stack.Add(Text(Take(Length(BinaryPrimitives.ReadUInt64LittleEndian(Take(8)))))); break;
                case (byte)'U': stack.Add(Encoding.Latin1.GetString(Take(Take(1)[0]))); break;
                case (byte)'T': stack.Add(Encoding.Latin1.GetString(Take(Length(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))))); break;
                case (byte)'C': stack.Add(Take(Take(1)[0]).ToArray()); break;
                case (byte)'B': stack.Add(Take(Length(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))).ToArray()); break;
                case (byte)'J': stack.Add((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4))); break;
                case (byte)'K': stack.Add((long)Take(1)[0]); break;
                case (byte)'M': stack.Add((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))); break;
                case 0x8a:
                    {
                        var digits = Take(Take(1)[0]);
                        if (digits.Length > 8)
                            throw new PickleRefusedException($"data.pkl holds a {digits.Length}-byte integer");
                        long value = 0;
                        for (int i = digits.Length - 1; i >= 0; i--)
                            value = (value << 8) | digits[i];
                        if (digits.Length is > 0 and < 8 && (digits[^1] & 0x80) != 0)
                            value -= 1L << (8 * digits.Length);
                        stack.Add(value);
                        break;
                    }
                case (byte)'G': stack.Add(BinaryPrimitives.ReadDoubleBigEndian(Take(8))); break;
                case (byte)'c':
                    {
                        string module = Line(data, ref pos), name = Line(data, ref pos);
                        stack.Add(Name(module, name));
                        break;
                    }
                case 0x93:
                    {
                        var name = Pop();
                        var module = Pop();
                        stack.Add(module is string m && name is string n ? Name(m, n) : throw new PickleRefusedException("data.pkl's STACK_GLOBAL names are not strings"));
                        break;
                    }
                case (byte)'R':
                    {
                        var args = Pop();
                        var callable = Pop();
                        if (callable is not Global global)
                            throw new PickleRefusedException($"data.pkl calls {Describe(callable)}, not an allowed global");
                        if (args is not object?[] tuple)
                            throw new PickleRefusedException($"data.pkl calls {global} with {Describe(args)}, not a tuple");
                        stack.Add(new Reduced(global, global.Name == "OrderedDict" ? [.. tuple, new Dictionary<object, object?>()] : tuple));
                        break;
                    }
                case (byte)'b':
                    {
                        var state = Pop();
                        var target = stack.Count > 0 ? stack[^1] : null;
                        if (target is not Reduced { Callable.Name: "OrderedDict" })
                            throw new PickleRefusedException($"data.pkl sets the state of {Describe(target)}; only an OrderedDict's state is allowed");
                        _ = state; // an OrderedDict's attributes (torch's _metadata): kept inert
                        break;
                    }
                case (byte)'Q': stack.Add(new Persistent(Pop() as object?[] ?? throw new PickleRefusedException("data.pkl's persistent id is not a tuple"))); break;
                default:
                    throw new PickleRefusedException($"data.pkl uses opcode 0x{op:X2} ('{(op is >= 0x20 and < 0x7F ? (char)op : '?')}') at byte {pos - 1}, which a state_dict never needs");
            }
        }
    }

    private static object Key(object? key) => key ?? throw new PickleRefusedException("data.pkl uses None as a dict key");

    private static object? Peek(List<object?> stack) =>
        stack.Count > 0 ? stack[^1] : throw new PickleRefusedException("data.pkl memoizes an empty stack");

    private static object? Memo(Dictionary<long, object?> memo, long index) =>
        memo.TryGetValue(index, out var value) ? value : throw new PickleRefusedException($"data.pkl reads memo {index}, which was never written");

    private static int Length(ulong length) =>
        length <= int.MaxValue ? (int)length : throw new PickleRefusedException($"data.pkl declares a {length}-byte value");

    private static string Text(ReadOnlySpan<byte> utf8) => Encoding.UTF8.GetString(utf8);

    private static string Line(byte[] data, ref int pos)
    {
        int end = Array.IndexOf(data, (byte)'\n', pos);
        if (end < 0 || end - pos > 256)
            throw new PickleRefusedException($"data.pkl has a GLOBAL without a name line at byte {pos}");
        string line = Encoding.ASCII.GetString(data, pos, end - pos);
        pos = end + 1;
        return line;
    }

    private static string Describe(object? value) => value switch
    {
        null => "None",
        string s => $"'{(s.Length > 40 ? s[..40] + "..." : s)}'",
        object?[] tuple => "(" + string.Join(", ", tuple.Take(8).Select(Describe)) + (tuple.Length > 8 ? ", ..." : "") + ")",
        Global g => g.ToString(),
        Reduced r => $"{r.Callable}(...)",
        _ => value.GetType().Name == "Mark" ? "a mark" : value.ToString() ?? "?",
    };

    private static CheckpointException Refused(string name, string problem) => new($"'{name}' is refused: {problem}", [problem]);

    private sealed class PickleRefusedException(string message) : Exception(message);
}
