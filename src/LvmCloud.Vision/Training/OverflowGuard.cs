using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Training;

/// <summary>
/// Clips gradients to a global norm and applies the optimizer step, unless the loss or the gradient norm
/// is not finite: then the step is skipped (gradients dropped), as mixed-precision trainers do on overflow.
/// Too many skipped steps in a row means the run diverged, and is an error.
/// </summary>
public sealed class OverflowGuard(int maxConsecutiveSkips = 20)
{
    private int _consecutive;

    public int Skipped { get; private set; }

    /// <returns>True when the step was applied.</returns>
    public bool TryStep(OptimizerHelper optimizer, IEnumerable<Parameter> parameters, double clipNorm, double loss, int step)
    {
        var list = parameters as IList<Parameter> ?? parameters.ToList();
        double norm = double.IsFinite(loss) ? nn.utils.clip_grad_norm_(list, clipNorm) : double.NaN;
        if (double.IsFinite(norm))
        {
            optimizer.step();
            _consecutive = 0;
            return true;
        }
        optimizer.zero_grad();
        Skipped++;
        if (++_consecutive > maxConsecutiveSkips)
            throw new InvalidOperationException(
                $"Training diverged at step {step + 1}: {_consecutive} steps in a row had a non-finite loss or gradient norm (last loss {loss}). Lower the learning rate.");
        return false;
    }
}
