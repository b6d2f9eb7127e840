namespace LvmCloud.Vision.Kernels;

/// <summary>
/// The operands of one <see cref="HalfGemv"/> call, as raw pointers into memory the caller keeps alive and unchanged
/// for the call: <c>y[r, o] = Σᵢ x[r, i] · W[o, i] + bias[o]</c> for <paramref name="rows"/> rows.
/// </summary>
/// <param name="weight">W, (OutFeatures, InFeatures) row-major, 16-bit elements in <paramref name="format"/>.</param>
/// <param name="format">How the weight's (and the bias's) elements encode their values.</param>
/// <param name="x">x, (Rows, InFeatures) row-major float32.</param>
/// <param name="bias">(OutFeatures) in <paramref name="format"/>, or null for none.</param>
/// <param name="y">y, (Rows, OutFeatures) row-major, elements in <paramref name="output"/>.</param>
public readonly unsafe struct HalfGemvArgs(
    ushort* weight, HalfFormat format, float* x, int rows, int inFeatures, int outFeatures, ushort* bias, void* y, GemvOutput output)
{
    public ushort* Weight { get; } = weight;
    public HalfFormat Format { get; } = format;
    public float* X { get; } = x;
    public int Rows { get; } = rows;
    public int InFeatures { get; } = inFeatures;
    public int OutFeatures { get; } = outFeatures;
    public ushort* Bias { get; } = bias;
    public void* Y { get; } = y;
    public GemvOutput Output { get; } = output;
}
