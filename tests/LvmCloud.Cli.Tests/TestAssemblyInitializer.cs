using System.Runtime.CompilerServices;
using LvmCloud.Vision.Native;

// The commands write through the process-wide Console.Out / Console.Error, which the tests redirect.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace LvmCloud.Cli.Tests;

internal static class TestAssemblyInitializer
{
#pragma warning disable CA2255 // TorchSharp must be loaded before any test touches it
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Initialize()
    {
        TorchRuntime.EnsureLoaded();
        // Tiny models: one intra-op thread is as fast and avoids OpenMP spin-waits on a busy machine.
        TorchSharp.torch.set_num_threads(1);
    }
}
