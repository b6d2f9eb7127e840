using System.Runtime.CompilerServices;
using LvmCloud.Vision.Native;

namespace LvmCloud.Vision.Tests;

internal static class TestAssemblyInitializer
{
#pragma warning disable CA2255 // a library initializer is the point here: TorchSharp must not be touched before it
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Initialize()
    {
        TorchRuntime.EnsureLoaded();
        // Test models are tiny: one intra-op thread is as fast as two on an idle machine, avoids OpenMP's
        // spin-wait slowdown when the cores are busy, and keeps float reductions identical across the run
        // (a thread-count change in the middle of a run changes the low bits of results).
        TorchSharp.torch.set_num_threads(1);
    }
}
