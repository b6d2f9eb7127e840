using LvmCloud.Vision.Devices;
using TorchSharp;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Devices;

public sealed class ComputeDeviceTests
{
    [Fact]
    public void Cpu_is_the_cpu_and_auto_is_cuda_only_where_cuda_is_available()
    {
        Assert.Equal(DeviceType.CPU, ComputeDevice.Resolve("cpu", "--device").type);
        Assert.Equal(ComputeDevice.CudaAvailable ? DeviceType.CUDA : DeviceType.CPU, ComputeDevice.Resolve("auto", "--device").type);
        Assert.Null(ComputeDevice.Problem("auto", "--device"));
        Assert.Null(ComputeDevice.Problem("cpu", "--device"));
    }

    [Fact]
    public void Cuda_without_a_cuda_build_or_gpu_is_refused_with_the_cause_and_the_fix()
    {
        if (ComputeDevice.CudaAvailable)
        {
            Assert.Equal(DeviceType.CUDA, ComputeDevice.Resolve("cuda", "--device").type);
            return;
        }

        var error = Assert.Throws<DeviceUnavailableException>(() => ComputeDevice.Resolve("cuda", "--device"));

        Assert.StartsWith("CUDA was asked for (--device cuda) but this build/machine has none: build with -p:TorchBackend=cuda", error.Message);
        Assert.Contains("--device cpu", error.Message);
        Assert.Equal(error.Message, ComputeDevice.Problem("cuda", "--device"));
        // This project's test build references the CPU libtorch only, so the message names the build as the cause.
        Assert.Contains("CPU libtorch only", error.Message);
    }

    [Fact]
    public void A_configuration_setting_is_named_the_way_configuration_writes_it()
    {
        if (ComputeDevice.CudaAvailable)
            return;

        var problem = ComputeDevice.Problem("cuda", "Worker:Device");

        Assert.StartsWith("CUDA was asked for (Worker:Device=cuda)", problem);
        Assert.Contains("Worker:Device=cpu", problem);
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("CUDA")]
    [InlineData("")]
    public void Other_names_are_refused_listing_the_accepted_ones(string name)
    {
        Assert.Equal($"--device must be one of auto, cpu, cuda, got '{name}'.", ComputeDevice.Problem(name, "--device"));
        Assert.Throws<ArgumentException>(() => ComputeDevice.Resolve(name, "--device"));
    }
}
