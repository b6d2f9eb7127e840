using static TorchSharp.torch;

namespace LvmCloud.Cli.Commands.Tokens;

/// <summary>Conversions between (B, n) int64 tensors and rows of ids.</summary>
public static class TensorRows
{
    public static List<long[]> ToRows(Tensor ids)
    {
        using var cpu = ids.to(ScalarType.Int64, CPU).contiguous();
        var flat = cpu.data<long>().ToArray();
        int rows = (int)cpu.shape[0], width = (int)cpu.shape[1];
        return Enumerable.Range(0, rows).Select(r => flat.AsSpan(r * width, width).ToArray()).ToList();
    }

    /// <summary>Equal-length rows as a (B, n) int64 tensor on the CPU.</summary>
    public static Tensor FromRows(IReadOnlyList<long[]> rows)
    {
        int width = rows[0].Length;
        var flat = new long[rows.Count * width];
        for (int r = 0; r < rows.Count; r++) rows[r].CopyTo(flat, r * width);
        return tensor(flat, [rows.Count, width]);
    }
}
