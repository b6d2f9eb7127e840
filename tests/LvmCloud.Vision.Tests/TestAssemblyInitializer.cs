using System.Runtime.CompilerServices;
using LvmCloud.Vision.Native;

namespace LvmCloud.Vision.Tests;

internal static class TestAssemblyInitializer
{
#pragma warning disable CA2255 // a library initializer is the point here: TorchSharp must not be touched before it
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Initialize() => TorchRuntime.EnsureLoaded();
}
