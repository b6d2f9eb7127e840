using LvmCloud.Vision.Checkpoints;
using LvmCloud.Vision.Tests.Support;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Checkpoints;

public sealed class StoredDTypeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("lvm-dtype-").FullName;
    private readonly LlamaFixture _fixture = new(LlamaFixture.Mha);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("model.safetensors")]
    [InlineData("pytorch_model.bin")]
    public void The_float32_fixture_is_float32_in_either_format(string file)
    {
        var format = file.EndsWith(".safetensors", StringComparison.Ordinal) ? CheckpointFormat.Safetensors : CheckpointFormat.PyTorchBin;
        Assert.Equal(ScalarType.Float32, StoredDType.Of(new CheckpointFiles(format, [Path.Combine(_fixture.Directory, file)])));
    }

    [Theory]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float16)]
    public void Half_precision_safetensors_shards_are_read_from_their_headers(ScalarType dtype)
    {
        using var model = LvmCloud.Vision.Transformer.LlamaForCausalLM.FromPretrained(_fixture.Directory);
        CheckpointWriter.Save(model, _dir, maxShardBytes: 64 * 1024, dtype);

        Assert.True(File.Exists(Path.Combine(_dir, CheckpointFiles.SafetensorsIndex)), "the checkpoint should be sharded");
        Assert.Equal(dtype, StoredDType.Of(_dir));
    }

    [Fact]
    public void A_float16_pytorch_bin_is_read_from_its_storage_types()
    {
        using var model = LvmCloud.Vision.Transformer.LlamaForCausalLM.FromPretrained(_fixture.Directory, dtype: ScalarType.Float16);
        model.save_py(Path.Combine(_dir, CheckpointFiles.PyTorchBin));

        Assert.Equal(ScalarType.Float16, StoredDType.Of(_dir));
    }

    [Fact]
    public void A_mixed_checkpoint_is_the_dtype_of_most_of_its_elements()
    {
        var state = new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            ["big"] = zeros(64, 64, dtype: ScalarType.BFloat16),
            ["norm"] = ones(64, dtype: ScalarType.Float32),
            ["ids"] = zeros(10000, dtype: ScalarType.Int64), // not a weight's dtype: ignored
        };
        Safetensors.SaveStateDict(Path.Combine(_dir, CheckpointFiles.Safetensors), state);
        foreach (var t in state.Values) t.Dispose();

        Assert.Equal(ScalarType.BFloat16, StoredDType.Of(_dir));
    }

    [Fact]
    public void A_header_that_lies_is_refused_before_its_dtype_is_trusted()
    {
        var path = Path.Combine(_dir, CheckpointFiles.Safetensors);
        var header = """{"w":{"dtype":"BF16","shape":[1000],"data_offsets":[0,2000]}}"""u8.ToArray();
        using (var file = File.Create(path))
        {
            file.Write(BitConverter.GetBytes((ulong)header.Length));
            file.Write(header);
            file.Write(new byte[16]); // far fewer than the 2000 bytes the header declares
        }

        Assert.Throws<CheckpointException>(() => StoredDType.Of(_dir));
    }
}
