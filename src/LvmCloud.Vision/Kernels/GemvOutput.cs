namespace LvmCloud.Vision.Kernels;

/// <summary>The element type <see cref="HalfGemv"/> writes its results in.</summary>
public enum GemvOutput
{
    Float32,
    BFloat16,
    Float16,
}
