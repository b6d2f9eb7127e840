using LvmCloud.Vision.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Devices;

/// <summary>
/// Where models run, named the same way everywhere (the CLI's <c>--device</c>, the worker's <c>Worker:Device</c>, the
/// benches): <c>auto</c> (CUDA when this build and machine have it, else the CPU), <c>cpu</c> or <c>cuda</c>.
/// </summary>
public static class ComputeDevice
{
    public const string Auto = "auto";
    public const string Cpu = "cpu";
    public const string Cuda = "cuda";

    /// <summary>Every accepted name, in the order help texts list them.</summary>
    public static IReadOnlyList<string> Names { get; } = [Auto, Cpu, Cuda];

    /// <summary>Whether TorchSharp can run on CUDA here: a CUDA build (<c>-p:TorchBackend=cuda</c>) on a machine with an NVIDIA GPU and driver.</summary>
    public static bool CudaAvailable
    {
        get
        {
            TorchRuntime.EnsureLoaded();
            return cuda.is_available();
        }
    }

    /// <summary>
    /// What is wrong with <paramref name="choice"/> on this build and machine, or null when it resolves.
    /// <paramref name="setting"/> names where the choice came from in the message (<c>--device</c>, <c>Worker:Device</c>).
    /// </summary>
    public static string? Problem(string? choice, string setting)
    {
        if (choice is null || !Names.Contains(choice))
            return $"{setting} must be one of {string.Join(", ", Names)}, got '{choice}'.";
        return choice == Cuda && !CudaAvailable ? CudaMissing(setting) : null;
    }

    /// <summary>The device <paramref name="choice"/> names: <c>auto</c> is CUDA when available, else the CPU.</summary>
    /// <exception cref="ArgumentException">Not one of <see cref="Names"/>.</exception>
    /// <exception cref="DeviceUnavailableException"><c>cuda</c> on a build or machine without it.</exception>
    public static Device Resolve(string? choice, string setting) => choice switch
    {
        Cpu => CPU,
        Cuda when CudaAvailable => CUDA,
        Cuda => throw new DeviceUnavailableException(CudaMissing(setting)),
        Auto => CudaAvailable ? CUDA : CPU,
        _ => throw new ArgumentException(Problem(choice, setting)),
    };

    private static string CudaMissing(string setting)
    {
        string why = CudaLibraries.Present()
            ? "this build has libtorch for CUDA, but no NVIDIA GPU and driver is visible (check nvidia-smi; a container needs the GPU passed in, e.g. docker run --gpus all)"
            : "this build carries the CPU libtorch only (TorchSharp's CUDA package is not referenced)";
        return $"CUDA was asked for ({SettingValue.Format(setting, Cuda)}) but this build/machine has none: build with -p:TorchBackend=cuda " +
               $"(src/LvmCloud.Worker/Dockerfile.cuda does) and run on a machine with an NVIDIA GPU and driver, or use {SettingValue.Format(setting, Cpu)} " +
               $"or {SettingValue.Format(setting, Auto)}. Here {why}.";
    }
}
