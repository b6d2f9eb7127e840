using LvmCloud.Vision.Devices;
using TorchSharp;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Support;

/// <summary>
/// The device the golden-fixture parity tests run on: <c>LVM_TEST_DEVICE</c> (<c>cpu</c> when unset, so CI runs them on
/// the CPU; <c>cuda</c> on a GPU machine, as <c>bench/gpu-check.sh</c> sets it). <c>cuda</c> where there is none fails
/// the tests with the cause instead of quietly running them on the CPU.
/// </summary>
public static class TestDevice
{
    public const string Variable = "LVM_TEST_DEVICE";

    private static readonly Lazy<Device> Resolved = new(() =>
    {
        var device = ComputeDevice.Resolve(Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } name ? name : ComputeDevice.Cpu, Variable);
        if (device.type == DeviceType.CUDA)
        {
            // Parity is checked in true float32: cuDNN would otherwise run the VQGAN's convolutions in TF32 (10-bit mantissa).
            backends.cudnn.allow_tf32 = false;
            backends.cuda.matmul.allow_tf32 = false;
        }
        return device;
    });

    public static Device Device => Resolved.Value;

    /// <summary><paramref name="tensor"/> on <see cref="Device"/> (the same tensor when it is there already).</summary>
    public static Tensor On(Tensor tensor) => tensor.to(Device);
}
