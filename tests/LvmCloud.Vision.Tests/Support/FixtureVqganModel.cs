using LvmCloud.Vision.Checkpoints;
using LvmCloud.Vision.Tokenizer;
using TorchSharp;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Support;

/// <summary>
/// The fixture's VQGAN built from its config.json and loaded through the product's checkpoint loader, model and input on
/// <see cref="TestDevice"/> (xunit class fixture).
/// </summary>
public sealed class FixtureVqganModel : IDisposable
{
    public FixtureVqganModel()
    {
        Model = new VqganModel(VqganConfig.Load(VqganFixture.ConfigPath));
        CheckpointLoader.LoadInto(Model, VqganFixture.Directory);
        Model.to(TestDevice.Device);
        Model.eval();
        using var pixels = VqganFixture.Tensor("pixel_values");
        PixelValues = pixels.to(TestDevice.Device);
    }

    public VqganModel Model { get; }

    /// <summary>The reference model input, (2, 3, 32, 32) float32 in [0, 1].</summary>
    public Tensor PixelValues { get; }

    public void Dispose()
    {
        PixelValues.Dispose();
        Model.Dispose();
    }
}
