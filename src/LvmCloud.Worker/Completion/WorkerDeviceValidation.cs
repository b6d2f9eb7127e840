using LvmCloud.Vision.Devices;
using Microsoft.Extensions.Options;

namespace LvmCloud.Worker.Completion;

/// <summary>
/// <c>Worker:Device</c> must name a device this build and machine have: <c>cuda</c> on a CPU build, or on a machine
/// without an NVIDIA GPU and driver, stops the worker at start with the cause and the fix, instead of failing every job.
/// </summary>
public sealed class WorkerDeviceValidation : IValidateOptions<WorkerOptions>
{
    public const string DeviceSetting = "Worker:Device";
    public const string DTypeSetting = "Worker:DType";

    /// <remarks>A name outside auto|cpu|cuda is reported by the option's own <c>[RegularExpression]</c>, not again here.</remarks>
    public ValidateOptionsResult Validate(string? name, WorkerOptions options) =>
        ComputeDevice.Names.Contains(options.Device) && ComputeDevice.Problem(options.Device, DeviceSetting) is { } problem
            ? ValidateOptionsResult.Fail(problem)
            : ValidateOptionsResult.Success;
}
