namespace LvmCloud.Vision.Tests.Training;

/// <summary>Tests that seed TorchSharp's global generator (manual_seed) run alone, so no other test draws from it meanwhile.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchRngCollection
{
    public const string Name = "torch global RNG";
}
