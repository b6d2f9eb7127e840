using System.Text.Json;

namespace LvmCloud.Cli.Commands.Tokens;

/// <summary>Reads <c>{"key": [[id, ...], ...]}</c> files (the output of <c>lvm tokenize</c> / <c>lvm generate</c>).</summary>
public static class TokenRowsFile
{
    /// <summary>
    /// The rows under <paramref name="key"/>; throws <see cref="UserInputException"/> naming the file and the
    /// first problem (missing file, bad JSON, no rows, an empty row, a value that is not an integer).
    /// </summary>
    public static IReadOnlyList<long[]> Read(string path, string key)
    {
        if (!File.Exists(path))
            throw new UserInputException($"Token file '{path}' does not exist.");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new UserInputException($"Token file '{path}' is not valid JSON: {e.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty(key, out var rowsElement))
                throw new UserInputException($"Token file '{path}' must be a JSON object with a \"{key}\" list of rows.");
            if (rowsElement.ValueKind != JsonValueKind.Array)
                throw new UserInputException($"Token file '{path}': \"{key}\" must be a list of rows, got {rowsElement.ValueKind}.");
            if (rowsElement.GetArrayLength() == 0)
                throw new UserInputException($"Token file '{path}': \"{key}\" holds no rows.");

            var rows = new List<long[]>(rowsElement.GetArrayLength());
            foreach (var rowElement in rowsElement.EnumerateArray())
                rows.Add(ReadRow(path, key, rows.Count, rowElement));
            return rows;
        }
    }

    private static long[] ReadRow(string path, string key, int index, JsonElement rowElement)
    {
        if (rowElement.ValueKind != JsonValueKind.Array)
            throw new UserInputException($"Token file '{path}': {key} row {index} must be a list of token ids, got {rowElement.ValueKind}.");
        if (rowElement.GetArrayLength() == 0)
            throw new UserInputException($"Token file '{path}': {key} row {index} is empty.");
        var row = new long[rowElement.GetArrayLength()];
        int i = 0;
        foreach (var item in rowElement.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out row[i]))
                throw new UserInputException($"Token file '{path}': {key} row {index}, position {i} is not an integer token id ({item.GetRawText()}).");
            i++;
        }
        return row;
    }

    /// <summary>Throws <see cref="UserInputException"/> at the first id outside [0, <paramref name="vocabulary"/>).</summary>
    public static void CheckRange(IReadOnlyList<long[]> rows, long vocabulary, string what)
    {
        for (int r = 0; r < rows.Count; r++)
            for (int i = 0; i < rows[r].Length; i++)
                if (rows[r][i] < 0 || rows[r][i] >= vocabulary)
                    throw new UserInputException(
                        $"Row {r}, position {i} holds id {rows[r][i]}, outside the {what} vocabulary [0, {vocabulary}).");
    }
}
