using System.Buffers.Binary;
using System.Text.Json;

namespace LvmCloud.Vision.Checkpoints;

/// <summary>
/// Checks a <c>.safetensors</c> file's header against the file before any tensor is allocated: the header length is
/// within <see cref="MaxHeaderBytes"/> and the file, the header is a JSON object of entries with a known dtype, a
/// shape of non-negative sizes and <c>data_offsets</c> inside the data region whose length is exactly
/// shape x dtype size, and no two tensors overlap. A header that lies (sizes, offsets, a truncated file) is refused
/// with a <see cref="CheckpointException"/> naming the file and the tensor; memory used is the header only.
/// </summary>
public static class SafetensorsCheck
{
    /// <summary>The format's own bound on the JSON header (100 MB).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private static readonly Dictionary<string, int> DtypeBytes = new(StringComparer.Ordinal)
    {
        ["F64"] = 8,
        ["F32"] = 4,
        ["F16"] = 2,
        ["BF16"] = 2,
        ["I64"] = 8,
        ["I32"] = 4,
        ["I16"] = 2,
        ["I8"] = 1,
        ["U8"] = 1,
        ["BOOL"] = 1,
    };

    public static void Check(string path) => ReadHeader(path);

    /// <summary>
    /// Checks the file as <see cref="Check"/> does and returns how many elements its tensors hold per header dtype
    /// (<c>F32</c>, <c>BF16</c>, ...).
    /// </summary>
    public static IReadOnlyDictionary<string, long> DTypeElements(string path)
    {
        var elements = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var entry in ReadHeader(path).Tensors)
            elements[entry.DType] = elements.GetValueOrDefault(entry.DType) + (entry.End - entry.Begin) / DtypeBytes[entry.DType];
        return elements;
    }

    /// <summary>
    /// Checks the file as <see cref="Check"/> does and returns its header: every tensor's dtype, shape and byte range,
    /// and where the data region starts. Only the header is read.
    /// </summary>
    public static SafetensorsHeader ReadHeader(string path)
    {
        string name = Path.GetFileName(path);
        using var stream = File.OpenRead(path);
        long fileLength = stream.Length;
        if (fileLength < 8)
            throw Refused(name, $"the file is {fileLength} bytes, too short for the 8-byte header length");
        Span<byte> prefix = stackalloc byte[8];
        stream.ReadExactly(prefix);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > MaxHeaderBytes)
            throw Refused(name, $"the header declares {headerLength} bytes, more than the format's limit of {MaxHeaderBytes}");
        if ((long)headerLength > fileLength - 8)
            throw Refused(name, $"the header declares {headerLength} bytes but the file has only {fileLength - 8} after the length (truncated)");
        var header = new byte[headerLength];
        stream.ReadExactly(header);
        long dataLength = fileLength - 8 - (long)headerLength;

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw Refused(name, $"the header is not valid JSON: {e.Message}");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw Refused(name, "the header is not a JSON object");
            var problems = new List<string>();
            var spans = new List<(long Begin, long End, string Tensor)>();
            var tensors = new List<SafetensorsEntry>();
            foreach (var entry in document.RootElement.EnumerateObject())
            {
                if (entry.Name == "__metadata__")
                    continue;
                if (CheckEntry(entry.Name, entry.Value, dataLength, out var span) is { } problem)
                    problems.Add(problem);
                else
                {
                    spans.Add(span);
                    string dtype = entry.Value.GetProperty("dtype").GetString()!;
                    long[] shape = entry.Value.GetProperty("shape").EnumerateArray().Select(size => size.GetInt64()).ToArray();
                    tensors.Add(new SafetensorsEntry(entry.Name, dtype, shape, span.Item1, span.Item2));
                }
            }

            spans.Sort((a, b) => a.Begin.CompareTo(b.Begin));
            for (int i = 1; i < spans.Count; i++)
                if (spans[i].Begin < spans[i - 1].End)
                    problems.Add($"tensor '{spans[i].Tensor}' (bytes {spans[i].Begin}-{spans[i].End}) overlaps tensor '{spans[i - 1].Tensor}' (bytes {spans[i - 1].Begin}-{spans[i - 1].End})");
            if (problems.Count > 0)
                throw new CheckpointException($"'{name}' is not a valid safetensors file: {string.Join("; ", problems.Take(10))}{(problems.Count > 10 ? "; ..." : "")}", problems);
            return new SafetensorsHeader(8 + (long)headerLength, tensors);
        }
    }

    private static string? CheckEntry(string tensor, JsonElement value, long dataLength, out (long, long, string) span)
    {
        span = default;
        if (value.ValueKind != JsonValueKind.Object)
            return $"tensor '{tensor}' is not an object";
        if (!value.TryGetProperty("dtype", out var dtype) || dtype.ValueKind != JsonValueKind.String || !DtypeBytes.TryGetValue(dtype.GetString()!, out int elementBytes))
            return $"tensor '{tensor}' has no known dtype (one of {string.Join(", ", DtypeBytes.Keys)})";
        if (!value.TryGetProperty("shape", out var shape) || shape.ValueKind != JsonValueKind.Array)
            return $"tensor '{tensor}' has no shape array";
        long bytes = elementBytes;
        foreach (var size in shape.EnumerateArray())
        {
            if (size.ValueKind != JsonValueKind.Number || !size.TryGetInt64(out long n) || n < 0)
                return $"tensor '{tensor}' has a shape entry {size} that is not a non-negative integer";
            if (n != 0 && bytes > long.MaxValue / n)
                return $"tensor '{tensor}' has a shape {shape} whose size overflows";
            bytes *= n;
        }

        if (!value.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2
            || !offsets[0].TryGetInt64(out long begin) || !offsets[1].TryGetInt64(out long end))
            return $"tensor '{tensor}' has no data_offsets [begin, end]";
        if (begin < 0 || end < begin)
            return $"tensor '{tensor}' has data_offsets [{begin}, {end}] that do not form a range";
        if (end > dataLength)
            return $"tensor '{tensor}' has data_offsets [{begin}, {end}] past the end of the data ({dataLength} bytes; truncated file?)";
        if (end - begin != bytes)
            return $"tensor '{tensor}' has data_offsets [{begin}, {end}] ({end - begin} bytes) but its {dtype.GetString()} shape {shape} needs {bytes} bytes";
        span = (begin, end, tensor);
        return null;
    }

    private static CheckpointException Refused(string name, string problem) =>
        new($"'{name}' is not a valid safetensors file: {problem}", [problem]);
}
