namespace LvmCloud.Infra.Tests;

/// <summary>
/// <c>-p:TorchBackend</c> picks TorchSharp's native backend: the CPU libtorch by default (what every build and test here
/// restores), TorchSharp-cuda-linux for the CUDA worker image. Checked by evaluating the project, since the CUDA
/// package is not restorable on these machines.
/// </summary>
public sealed class TorchBackendTests
{
    private const string VisionProject = "src/LvmCloud.Vision/LvmCloud.Vision.csproj";

    [Theory]
    [InlineData(null, "libtorch-cpu-linux-x64", "TorchSharp-cuda-linux")]
    [InlineData("cpu", "libtorch-cpu-linux-x64", "TorchSharp-cuda-linux")]
    [InlineData("cuda", "TorchSharp-cuda-linux", "libtorch-cpu-linux-x64")]
    public async Task The_backend_property_switches_the_native_package(string? backend, string referenced, string absent)
    {
        var properties = backend is null ? new Dictionary<string, string>() : new() { ["TorchBackend"] = backend };

        var items = await DotnetMsbuild.GetItemsAsync(VisionProject, properties, "PackageReference");

        var packages = items["PackageReference"].Select(i => i.Identity).ToList();
        Assert.Contains("TorchSharp", packages);
        Assert.Contains(referenced, packages);
        Assert.DoesNotContain(absent, packages);
    }

    [Fact]
    public async Task The_cuda_package_is_pinned_to_the_torchsharp_version_the_cpu_build_uses()
    {
        var items = await DotnetMsbuild.GetItemsAsync(VisionProject, new Dictionary<string, string>(), "PackageVersion");

        var versions = items["PackageVersion"].ToDictionary(i => i.Identity, i => i.Metadata.GetProperty("Version").GetString());
        // TorchSharp-cuda-linux N carries the managed TorchSharp N: any other version would pair mismatched natives and bindings.
        Assert.Equal(versions["TorchSharp"], versions["TorchSharp-cuda-linux"]);
    }
}
