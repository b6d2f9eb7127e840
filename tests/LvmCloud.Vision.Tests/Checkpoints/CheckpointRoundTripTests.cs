using LvmCloud.Vision.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Checkpoints;

public sealed class CheckpointRoundTripTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("lvm-ckpt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A small module with HF-like nested names: model.layers.{i}.proj.weight, model.norm.weight, lm_head.weight.</summary>
    private sealed class TinyNet : nn.Module<Tensor, Tensor>
    {
        private readonly Inner model;
        private readonly Linear lm_head;

        public TinyNet(int width, int outputs, int seed) : base(nameof(TinyNet))
        {
            manual_seed(seed);
            model = new Inner(width);
            lm_head = nn.Linear(width, outputs, hasBias: false);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => lm_head.forward(model.forward(x));
    }

    private sealed class Inner : nn.Module<Tensor, Tensor>
    {
        private readonly ModuleList<Linear> layers;
        private readonly Parameter norm_weight;

        public Inner(int width) : base(nameof(Inner))
        {
            layers = nn.ModuleList(nn.Linear(width, width, hasBias: false), nn.Linear(width, width, hasBias: true));
            norm_weight = nn.Parameter(randn(width));
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            foreach (var l in layers) x = l.forward(x);
            return x * norm_weight;
        }
    }

    private static void AssertSameWeights(nn.Module expected, nn.Module actual, double tolerance = 0)
    {
        var a = expected.state_dict();
        var b = actual.state_dict();
        Assert.Equal(a.Keys.OrderBy(k => k), b.Keys.OrderBy(k => k));
        foreach (var (name, t) in a)
            Assert.True(t.allclose(b[name], rtol: 0, atol: tolerance), $"tensor {name} differs");
    }

    [Fact]
    public void Safetensors_round_trip_restores_every_tensor_bit_for_bit()
    {
        using var source = new TinyNet(8, 5, seed: 1);
        CheckpointWriter.Save(source, _dir);
        Assert.True(File.Exists(Path.Combine(_dir, "model.safetensors")));
        using var target = new TinyNet(8, 5, seed: 2);
        CheckpointLoader.LoadInto(target, _dir);
        AssertSameWeights(source, target);
    }

    [Fact]
    public void Sharded_checkpoint_with_index_loads_like_a_single_file()
    {
        using var source = new TinyNet(16, 7, seed: 3);
        CheckpointWriter.Save(source, _dir, maxShardBytes: 16 * 16 * 4);
        var shards = Directory.GetFiles(_dir, "model-*-of-*.safetensors");
        Assert.True(shards.Length >= 3, $"expected several shards, got {shards.Length}");
        Assert.True(File.Exists(Path.Combine(_dir, "model.safetensors.index.json")));
        Assert.Equal(CheckpointFormat.Safetensors, CheckpointFiles.Find(_dir).Format);
        using var target = new TinyNet(16, 7, seed: 4);
        CheckpointLoader.LoadInto(target, _dir);
        AssertSameWeights(source, target);
    }

    [Fact]
    public void Half_precision_weights_on_disk_load_into_a_float32_model()
    {
        using var source = new TinyNet(8, 5, seed: 5);
        CheckpointWriter.Save(source, _dir, dtype: ScalarType.Float16);
        using var target = new TinyNet(8, 5, seed: 6);
        CheckpointLoader.LoadInto(target, _dir);
        Assert.All(target.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
        AssertSameWeights(source, target, tolerance: 2e-3);
    }

    [Fact]
    public void Pytorch_bin_state_dict_loads()
    {
        using var source = new TinyNet(8, 5, seed: 7);
        source.save_py(Path.Combine(_dir, "pytorch_model.bin"));
        using var target = new TinyNet(8, 5, seed: 8);
        CheckpointLoader.LoadInto(target, _dir);
        AssertSameWeights(source, target);
    }

    [Fact]
    public void Missing_extra_and_misshapen_tensors_are_named()
    {
        using var source = new TinyNet(8, 5, seed: 9);
        var state = source.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
        state.Remove("model.layers.0.weight");
        state["model.layers.9.weight"] = zeros(8, 8);
        state["lm_head.weight"] = zeros(4, 8);
        state["model.layers.0.self_attn.rotary_emb.inv_freq"] = zeros(4); // recomputed by models: ignored
        Safetensors.SaveStateDict(Path.Combine(_dir, "model.safetensors"), state);
        using var target = new TinyNet(8, 5, seed: 10);
        var e = Assert.Throws<CheckpointException>(() => CheckpointLoader.LoadInto(target, _dir));
        Assert.Equal(3, e.Problems.Count);
        Assert.Contains(e.Problems, p => p.StartsWith("missing tensor 'model.layers.0.weight'"));
        Assert.Contains(e.Problems, p => p.StartsWith("unexpected tensor 'model.layers.9.weight'"));
        Assert.Contains(e.Problems, p => p.StartsWith("misshapen tensor 'lm_head.weight': checkpoint [4,8], model [5,8]"));
    }

    [Fact]
    public void Empty_folder_says_which_files_were_expected()
    {
        var e = Assert.Throws<FileNotFoundException>(() => CheckpointFiles.Find(_dir));
        Assert.Contains("model.safetensors", e.Message);
        Assert.Contains("pytorch_model.bin", e.Message);
    }

    [Fact]
    public void Index_naming_a_missing_shard_is_an_error()
    {
        File.WriteAllText(Path.Combine(_dir, "model.safetensors.index.json"),
            """{"weight_map": {"lm_head.weight": "model-00001-of-00002.safetensors"}}""");
        var e = Assert.Throws<FileNotFoundException>(() => CheckpointFiles.Find(_dir));
        Assert.Contains("model-00001-of-00002.safetensors", e.Message);
    }

    [Theory]
    [InlineData("llama_mha")]
    [InlineData("llama_gqa")]
    public void Fixture_safetensors_and_pytorch_bin_hold_identical_tensors(string fixture)
    {
        string dir = Path.Combine(AppContext.BaseDirectory, "Fixtures", fixture);
        var st = CheckpointLoader.ReadFile(CheckpointFormat.Safetensors, Path.Combine(dir, "model.safetensors"));
        var bin = CheckpointLoader.ReadFile(CheckpointFormat.PyTorchBin, Path.Combine(dir, "pytorch_model.bin"));
        try
        {
            Assert.Equal(st.Keys.OrderBy(k => k), bin.Keys.OrderBy(k => k));
            foreach (var (name, t) in st) Assert.True(t.shape.SequenceEqual(bin[name].shape) && t.equal(bin[name]).all().item<bool>(), $"tensor {name} differs");
        }
        finally
        {
            foreach (var t in st.Values.Concat(bin.Values)) t.Dispose();
        }
    }
}
