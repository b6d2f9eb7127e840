using LvmCloud.Vision.Checkpoints;
using LvmCloud.Vision.Memory;
using LvmCloud.Vision.Tests.Support;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Memory;

/// <summary>The plan's inputs read from real small checkpoints' headers and configs, no weight read.</summary>
public sealed class FootprintReadingTests : IDisposable
{
    private readonly LlamaFixture _llama = new(LlamaFixture.Gqa);
    private readonly string _dir = Directory.CreateTempSubdirectory("lvm-footprint-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_safetensors_folder_gives_its_parameter_count_and_stored_dtype_from_the_header()
    {
        var footprint = TransformerFootprint.Read(_llama.Directory);
        long inHeader = SafetensorsCheck.DTypeElements(Path.Combine(_llama.Directory, CheckpointFiles.Safetensors)).Values.Sum();

        Assert.Equal(inHeader, footprint.ParameterCount);
        Assert.Equal(ScalarType.Float32, footprint.StoredDType);
        Assert.Equal(inHeader * 2, footprint.WeightBytes(ScalarType.BFloat16));
    }

    [Fact]
    public void A_pytorch_bin_folder_gives_the_same_from_its_pickle()
    {
        File.Copy(Path.Combine(_llama.Directory, "config.json"), Path.Combine(_dir, "config.json"));
        File.Copy(Path.Combine(_llama.Directory, CheckpointFiles.PyTorchBin), Path.Combine(_dir, CheckpointFiles.PyTorchBin));

        var footprint = TransformerFootprint.Read(_dir);
        long inPickle = PickleCheck.StorageElements(Path.Combine(_dir, CheckpointFiles.PyTorchBin)).Values.Sum();

        Assert.Equal(inPickle, footprint.ParameterCount);
        Assert.Equal(ScalarType.Float32, footprint.StoredDType);
    }

    [Fact]
    public void The_vqgan_folder_gives_its_parameter_count_from_its_config()
    {
        var footprint = VqganFootprint.Read(VqganFixture.Directory);

        Assert.Equal(VqganFixture.ParameterCount(), footprint.ParameterCount);
        Assert.Equal(VqganFixture.ParameterCount() * 4, footprint.WeightBytes);
    }
}
