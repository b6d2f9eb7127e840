namespace LvmCloud.Vision.Kernels;

/// <summary>Which instructions <see cref="HalfGemv"/> runs with; <see cref="Auto"/> takes the widest this CPU has.</summary>
public enum HalfGemvPath
{
    Auto,

    /// <summary>512-bit vectors (AVX-512): 32 weights per step.</summary>
    Vector512,

    /// <summary>256-bit vectors with FMA (AVX2): 16 weights per step.</summary>
    Vector256,

    /// <summary>Plain scalar code: the fallback where neither vector width is accelerated.</summary>
    Scalar,
}
