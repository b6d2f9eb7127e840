using System.Runtime.CompilerServices;
using LvmCloud.Vision.Native;

namespace LvmCloud.Platform.Tests.Infrastructure;

internal static class TestAssemblyInitializer
{
#pragma warning disable CA2255 // a library initializer is the point here: TorchSharp must not be touched before it
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Initialize()
    {
        TorchRuntime.EnsureLoaded();
        // The test model is tiny: one intra-op thread is as fast and does not fight the other processes for cores.
        TorchSharp.torch.set_num_threads(1);
    }
}
