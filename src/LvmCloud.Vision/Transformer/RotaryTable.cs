using static TorchSharp.torch;

namespace LvmCloud.Vision.Transformer;

/// <summary>
/// The rotary cos and sin tables of one model for every position up to its context, computed once per device and
/// dtype and looked up by position on each forward (instead of recomputing the angles every step). Entries are the
/// very values <see cref="RotaryEmbedding.Tables"/> computes for the same positions: each is the same float32
/// product and cosine of one position and one frequency.
/// </summary>
public sealed class RotaryTable(int maxPositions, int headDim, double theta) : IDisposable
{
    private Tensor? _cos; // (maxPositions, d) in the model's dtype
    private Tensor? _sin;
    private readonly Lock _gate = new(); // models are shared by concurrent jobs

    /// <summary>How many times the tables were computed: once per device and dtype the model runs in.</summary>
    public int Builds { get; private set; }

    /// <summary>(B, 1, T, d) cos and sin for <paramref name="positionIds"/> (B, T) int64 on the table's device.</summary>
    public (Tensor Cos, Tensor Sin) Lookup(Tensor positionIds, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        long b = positionIds.shape[0], t = positionIds.shape[1];
        var flat = positionIds.reshape(-1);
        Tensor cos, sin;
        lock (_gate)
        {
            Ensure(positionIds.device, dtype);
            cos = _cos!.index_select(0, flat).view(b, 1, t, headDim);
            sin = _sin!.index_select(0, flat).view(b, 1, t, headDim);
        }
        return (cos.MoveToOuterDisposeScope(), sin.MoveToOuterDisposeScope());
    }

    private void Ensure(Device device, ScalarType dtype)
    {
        // Device is a class without value equality: compare its type and index, or every lookup would rebuild the table.
        if (_cos is not null && _cos.device_type == device.type && _cos.device_index == device.index && _cos.dtype == dtype) return;
        Release();
        using var scope = NewDisposeScope();
        var positions = arange(maxPositions, dtype: ScalarType.Int64, device: device).unsqueeze(0); // (1, P)
        var (cos, sin) = RotaryEmbedding.Tables(positions, headDim, theta, dtype);                  // (1, 1, P, d)
        _cos = cos.view(maxPositions, headDim).contiguous().DetachFromDisposeScope();
        _sin = sin.view(maxPositions, headDim).contiguous().DetachFromDisposeScope();
        Builds++;
    }

    public void Dispose()
    {
        lock (_gate) Release();
    }

    private void Release()
    {
        _cos?.Dispose();
        _sin?.Dispose();
        _cos = _sin = null;
    }
}
