using LvmCloud.Core.Sentences;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Generation;

/// <summary>
/// The random numbers of a sampled generation, drawn before it starts: row r's numbers are the first N of a
/// SplitMix64 stream seeded with row r's seed, so a row's draws depend on its own seed only (not on its batch-mates,
/// the device or the library version), and no decode step waits for the host to send random numbers.
/// </summary>
public static class SamplingUniforms
{
    /// <summary>(rows, steps) float32 in [0, 1) on <paramref name="device"/>: row r, column s is row r's s-th draw.</summary>
    public static Tensor Create(GenerationOptions options, int rows, int steps, Device device)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        var values = new float[rows * steps];
        for (int r = 0; r < rows; r++)
        {
            var random = new DeterministicRandom(options.SeedOf(r));
            for (int s = 0; s < steps; s++)
                values[r * steps + s] = random.NextSingle();
        }
        return tensor(values, [rows, steps], device: device);
    }
}
