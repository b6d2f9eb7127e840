using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace LvmCloud.Bench.RealSize;

/// <summary>
/// Hears <see cref="Vision.Generation.GenerationEngine"/>'s per-token progress and keeps when each token was ready, so one
/// generation gives both its prefill time (start to the first token) and its decode steps (the gaps after). On CUDA it
/// waits for the device at each report, so the times are the work's, not the launches'.
/// </summary>
public sealed class StepClock(Device device) : IProgress<int>
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<double> _ready = [];

    /// <summary>Seconds from this clock's creation to the first token.</summary>
    public double FirstTokenSeconds => _ready[0];

    /// <summary>Mean seconds of one decode step: (last − first token time) / (tokens − 1).</summary>
    public double MeanStepSeconds => _ready.Count < 2
        ? throw new InvalidOperationException("One token only: no decode step was timed; generate at least 2.")
        : (_ready[^1] - _ready[0]) / (_ready.Count - 1);

    public void Report(int value)
    {
        if (device.type == DeviceType.CUDA) cuda.synchronize(device);
        _ready.Add(_clock.Elapsed.TotalSeconds);
    }
}
