using System.CommandLine;
using LvmCloud.Vision.Devices;

namespace LvmCloud.Cli.Commands;

/// <summary>
/// <c>--device auto|cpu|cuda</c> and, for commands that load a transformer, <c>--dtype auto|float32|bfloat16|float16</c>:
/// where a command's models run, resolved once before anything is loaded (<see cref="ModelPlacement"/>).
/// </summary>
/// <param name="transformerDType">Whether the command loads a transformer and so takes <c>--dtype</c>.</param>
public sealed class PlacementOptions(bool transformerDType)
{
    public const string DeviceName = "--device";
    public const string DTypeName = "--dtype";

    private readonly Option<string> _device = Accepting(new Option<string>(DeviceName)
    {
        Description = "Where the models run: auto (CUDA when this build and machine have it, else the CPU), cpu or cuda.",
        DefaultValueFactory = _ => ComputeDevice.Auto,
    }, ComputeDevice.Names);

    private readonly Option<string> _dtype = Accepting(new Option<string>(DTypeName)
    {
        Description = "Transformer weight dtype: auto (the checkpoint's stored fp16/bf16 on CUDA, float32 on the CPU), float32, bfloat16 or float16.",
        DefaultValueFactory = _ => WeightDType.Auto,
    }, WeightDType.Names);

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(_device);
        if (transformerDType)
            command.Options.Add(_dtype);
    }

    /// <summary>The placement the parsed options name.</summary>
    /// <exception cref="UserInputException"><c>--device cuda</c> on a build or machine without CUDA (the message says which, and the fix).</exception>
    public ModelPlacement Resolve(ParseResult parse)
    {
        try
        {
            return ModelPlacement.Resolve(parse.GetValue(_device), transformerDType ? parse.GetValue(_dtype) : WeightDType.Auto, DeviceName, DTypeName);
        }
        catch (DeviceUnavailableException e)
        {
            throw new UserInputException(e.Message);
        }
    }

    private static Option<string> Accepting(Option<string> option, IReadOnlyList<string> names)
    {
        option.AcceptOnlyFromAmong([.. names]);
        return option;
    }
}
