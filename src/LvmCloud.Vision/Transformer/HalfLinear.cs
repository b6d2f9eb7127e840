using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LvmCloud.Vision.Kernels;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Transformer;

/// <summary>
/// The transformer's linear layers, routed to <see cref="HalfGemv"/> where it beats libtorch: bfloat16 or float16 weights
/// on the CPU, at most <see cref="MaxKernelRows"/> rows (batch × time: the decode step), no autograd. Anything else goes to
/// the layer's own <c>forward</c>, unchanged. The output has the weights' dtype and x's shape with the last dimension
/// replaced, as <c>nn.Linear</c> gives it. Many rows of float16 weights on the CPU (a prefill) go to
/// <see cref="WidenedBlockLinear"/> (float32 GEMM over widened weight blocks; bfloat16 prefill stays with libtorch). Exists because libtorch 2.10's half-precision CPU linear runs at about half
/// its float32 rate, so a bfloat16 decode step reached only a fifth of its memory-bandwidth floor.
/// </summary>
public static unsafe class HalfLinear
{
    /// <summary>Rows up to which the kernel runs; above this the step is bound by multiplications and libtorch's GEMM takes it.</summary>
    public const int MaxKernelRows = 16;

    [ThreadStatic] private static int libTorchScopes;
    [ThreadStatic] private static float[]? widened;

    /// <summary>Whether calls on this thread go to the kernel when they qualify (false inside <see cref="UseLibTorch"/>).</summary>
    public static bool KernelEnabled => libTorchScopes == 0;

    /// <summary>Until disposed, this thread's calls all go to libtorch (to compare against, or to rule the kernel out).</summary>
    public static IDisposable UseLibTorch()
    {
        libTorchScopes++;
        return new LibTorchScope();
    }

    /// <summary><c>layer.forward(x)</c>, through the kernel when it qualifies (see the class summary).</summary>
    public static Tensor Forward(Linear layer, Tensor x)
    {
        var weight = layer.weight ?? throw new InvalidOperationException("HalfLinear.Forward: the Linear layer has no weight tensor.");
        var bias = layer.bias;
        return Qualifies(weight, bias, x) ? Kernel(weight, bias, x)
            : KernelEnabled && WidenedBlockLinear.Qualifies(weight, bias, x) ? WidenedBlockLinear.Forward(weight, bias, x)
            : layer.forward(x);
    }

    /// <summary><c>nn.functional.linear(x, weight)</c> (a tied head), through the kernel when it qualifies.</summary>
    public static Tensor Forward(Tensor weight, Tensor x) =>
        Qualifies(weight, null, x) ? Kernel(weight, null, x)
        : KernelEnabled && WidenedBlockLinear.Qualifies(weight, null, x) ? WidenedBlockLinear.Forward(weight, null, x)
        : nn.functional.linear(x, weight);

    /// <summary>Whether <see cref="Forward"/> would run <paramref name="weight"/> and <paramref name="x"/> on the kernel.</summary>
    public static bool Qualifies(Tensor weight, Tensor? bias, Tensor x)
    {
        if (!KernelEnabled || weight.device_type != DeviceType.CPU || x.device_type != DeviceType.CPU) return false;
        if (weight.dtype is not (ScalarType.BFloat16 or ScalarType.Float16) || weight.dim() != 2 || !weight.is_contiguous()) return false;
        if (bias is not null && (bias.dtype != weight.dtype || !bias.is_contiguous())) return false;
        if (x.dtype is not (ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Float16) || x.dim() < 1 || !x.is_contiguous()) return false;
        long inFeatures = weight.shape[1];
        if (x.shape[^1] != inFeatures || inFeatures == 0) return false;
        long rows = x.numel() / inFeatures;
        if (rows is < 1 or > MaxKernelRows) return false;
        return !(is_grad_enabled() && (weight.requires_grad || x.requires_grad || (bias?.requires_grad ?? false)));
    }

    private static Tensor Kernel(Tensor weight, Tensor? bias, Tensor x)
    {
        int outFeatures = checked((int)weight.shape[0]), inFeatures = checked((int)weight.shape[1]);
        int rows = (int)(x.numel() / inFeatures);
        var shape = x.shape;
        shape[^1] = outFeatures;
        var y = empty(shape, weight.dtype, CPU);
        var format = weight.dtype == ScalarType.BFloat16 ? HalfFormat.BFloat16 : HalfFormat.Float16;
        float* xs = x.dtype == ScalarType.Float32 ? (float*)Address(x) : Widened(x, rows * inFeatures);
        var args = new HalfGemvArgs((ushort*)Address(weight), format, xs, rows, inFeatures, outFeatures,
            bias is null ? null : (ushort*)Address(bias), Address(y),
            format == HalfFormat.BFloat16 ? GemvOutput.BFloat16 : GemvOutput.Float16);
        HalfGemvRunner.Run(args);
        return y;
    }

    /// <summary>x's half-precision values as float32, in this thread's reusable buffer.</summary>
    private static float* Widened(Tensor x, int count)
    {
        if (widened is null || widened.Length < count)
            widened = GC.AllocateUninitializedArray<float>(count, pinned: true);
        float* destination = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(widened));
        HalfGemv.Widen((ushort*)Address(x), x.dtype == ScalarType.BFloat16 ? HalfFormat.BFloat16 : HalfFormat.Float16, destination, count);
        return destination;
    }

    /// <summary>The first element of a contiguous CPU tensor (native memory: it does not move).</summary>
    private static void* Address(Tensor t) => Unsafe.AsPointer(ref MemoryMarshal.GetReference(t.bytes));

    private sealed class LibTorchScope : IDisposable
    {
        private bool disposed;

        public void Dispose()
        {
            if (disposed) return;
            disposed = true;
            libTorchScopes--;
        }
    }
}
