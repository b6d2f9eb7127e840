using System.Runtime.CompilerServices;

namespace LvmCloud.Vision.Native;

internal static class VisionModuleInitializer
{
    /// <summary>Any use of this assembly makes TorchSharp loadable first.</summary>
#pragma warning disable CA2255 // a library initializer is the point here: TorchSharp must not be touched before it
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Initialize() => TorchRuntime.EnsureLoaded();
}
