using TorchSharp;

namespace LvmCloud.Vision.Devices;

/// <summary>Whether the build output carries libtorch's CUDA library (TorchSharp-cuda-linux puts it beside the managed assembly).</summary>
internal static class CudaLibraries
{
    private const string FileName = "libtorch_cuda.so";

    public static bool Present()
    {
        string torchDir = Path.GetDirectoryName(typeof(torch).Assembly.Location) ?? AppContext.BaseDirectory;
        return new[] { AppContext.BaseDirectory, torchDir }
            .SelectMany(dir => new[] { Path.Combine(dir, "runtimes", "linux-x64", "native", FileName), Path.Combine(dir, FileName) })
            .Any(File.Exists);
    }
}
