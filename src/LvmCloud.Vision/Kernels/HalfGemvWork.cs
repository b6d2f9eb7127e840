namespace LvmCloud.Vision.Kernels;

/// <summary>One <see cref="HalfGemv"/> call as range work over its outputs, reused per thread so a call allocates nothing.</summary>
internal sealed class HalfGemvWork : IRangeWork
{
    [ThreadStatic] private static HalfGemvWork? perThread;

    public HalfGemvArgs Args;
    public HalfGemvPath Path;

    /// <summary>The calling thread's instance, set to <paramref name="args"/> and <paramref name="path"/>.</summary>
    public static HalfGemvWork For(in HalfGemvArgs args, HalfGemvPath path)
    {
        var work = perThread ??= new HalfGemvWork();
        work.Args = args;
        work.Path = path;
        return work;
    }

    public void Execute(int start, int end) => HalfGemv.Compute(Args, start, end, Path);
}
