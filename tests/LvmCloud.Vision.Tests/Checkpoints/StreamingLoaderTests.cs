using System.Collections;
using LvmCloud.Vision.Checkpoints;
using LvmCloud.Vision.Tests.Support;
using LvmCloud.Vision.Tokenizer;
using LvmCloud.Vision.Transformer;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Checkpoints;

/// <summary>
/// The streaming loader: modules built on the meta device and filled tensor by tensor from the files must hold exactly
/// what the whole-file reader (TorchSharp.PyBridge + <c>copy_</c>) gives, use at most one staging chunk, and leave
/// nothing on the meta device.
/// </summary>
public sealed class StreamingLoaderTests : IDisposable
{
    private static readonly LlamaConfig Tiny = new(96, 32, 64, 2, 4, 2, MaxPositionEmbeddings: 64);

    private readonly string _dir = Directory.CreateTempSubdirectory("lvm-stream-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A tiny LLaMA with seeded random weights written as several shards in <paramref name="stored"/>.</summary>
    private string WriteShardedCheckpoint(ScalarType stored, int seed, long maxShardBytes = 8 * 1024)
    {
        manual_seed(seed);
        using var source = new LlamaForCausalLM(Tiny);
        source.Config.Save(Path.Combine(_dir, "config.json"));
        CheckpointWriter.Save(source, _dir, maxShardBytes, stored);
        return _dir;
    }

    /// <summary>The old path: each shard read whole by PyBridge, each tensor copy_'d into a tensor of <paramref name="dtype"/>.</summary>
    private static Dictionary<string, Tensor> ReadWholeFiles(string dir, ScalarType dtype)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var shard in CheckpointFiles.Find(dir).Paths)
            foreach (var (name, t) in Safetensors.LoadStateDict(shard))
            {
                var target = empty(t.shape, dtype);
                target.copy_(t);
                result[name] = target;
                t.Dispose();
            }

        return result;
    }

    private static void AssertBitForBit(Dictionary<string, Tensor> expected, nn.Module actual)
    {
        var state = actual.state_dict();
        Assert.Equal(expected.Keys.Order(), state.Keys.Order());
        foreach (var (name, t) in expected)
        {
            Assert.Equal(t.dtype, state[name].dtype);
            // Compare the raw bytes: equal values with different bits (NaN payloads, -0) would not pass.
            Assert.True(t.bytes.SequenceEqual(state[name].contiguous().bytes), $"tensor {name} differs from the whole-file read");
        }
    }

    [Theory]
    [InlineData(ScalarType.Float16, ScalarType.Float32)]
    [InlineData(ScalarType.Float16, ScalarType.BFloat16)]
    [InlineData(ScalarType.BFloat16, ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16, ScalarType.BFloat16)]
    [InlineData(ScalarType.Float32, ScalarType.Float32)]
    [InlineData(ScalarType.Float32, ScalarType.BFloat16)]
    public void Sharded_checkpoint_loads_bit_for_bit_like_the_whole_file_reader(ScalarType stored, ScalarType dtype)
    {
        var dir = WriteShardedCheckpoint(stored, seed: 11);
        Assert.True(CheckpointFiles.Find(dir).Paths.Count >= 3, "the checkpoint should have several shards");
        var expected = ReadWholeFiles(dir, dtype);
        try
        {
            using var model = LlamaForCausalLM.FromPretrained(dir, CPU, dtype, new CheckpointLoadOptions(ChunkBytes: 1000));
            AssertBitForBit(expected, model);
            var stats = model.LoadStatistics!;
            Assert.Equal(expected.Count, stats.Tensors);
            Assert.Equal(expected.Values.Sum(t => t.numel()) * (stored == ScalarType.Float32 ? 4 : 2), stats.BytesRead);
            Assert.Equal(stored == dtype ? stats.BytesRead : 0, stats.DirectBytes);
        }
        finally
        {
            foreach (var t in expected.Values) t.Dispose();
        }
    }

    [Fact]
    public void Staging_memory_is_bounded_by_the_chunk_not_by_the_shard()
    {
        var dir = WriteShardedCheckpoint(ScalarType.Float16, seed: 12, maxShardBytes: 64 * 1024);
        long largestShard = CheckpointFiles.Find(dir).Paths.Max(p => new FileInfo(p).Length);
        const long chunk = 512;
        Assert.True(largestShard > 20 * chunk, $"the shard ({largestShard} bytes) should be far bigger than the chunk");

        using var model = LlamaForCausalLM.FromPretrained(dir, CPU, ScalarType.Float32, new CheckpointLoadOptions(chunk));

        var stats = model.LoadStatistics!;
        Assert.InRange(stats.PeakStagingBytes, 1, chunk);
        Assert.Equal(0, stats.DirectBytes); // every tensor converted fp16 -> fp32
        Assert.Equal(CheckpointFiles.Find(dir).Paths.Count, stats.Files);
    }

    [Fact]
    public void Matching_dtype_is_read_in_place_without_staging()
    {
        var dir = WriteShardedCheckpoint(ScalarType.BFloat16, seed: 13);
        using var model = LlamaForCausalLM.FromPretrained(dir, CPU, ScalarType.BFloat16);
        var stats = model.LoadStatistics!;
        Assert.Equal(0, stats.PeakStagingBytes);
        Assert.Equal(stats.BytesRead, stats.DirectBytes);
        Assert.Contains("GB/s", stats.ToString());
    }

    [Fact]
    public void A_model_built_on_meta_holds_no_memory_and_no_parameter_is_left_on_meta_after_loading()
    {
        using (var empty = new LlamaForCausalLM(Tiny, META))
            Assert.All(empty.parameters(), p => Assert.True(p.is_meta));

        var dir = WriteShardedCheckpoint(ScalarType.Float16, seed: 14);
        using var model = LlamaForCausalLM.FromPretrained(dir);
        Assert.All(model.parameters(), p => Assert.Equal(DeviceType.CPU, p.device_type));
        Assert.All(model.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
        Assert.All(model.parameters(), p => Assert.True(p.requires_grad));
        Assert.Equal(ModuleTensorSlot.Of(model).Count, model.state_dict().Count);
        // The replaced parameters are the ones the forward uses: it runs and matches a model loaded the old way.
        using var reference = new LlamaForCausalLM(Tiny);
        CheckpointLoader.LoadInto(reference, dir);
        using var ids = tensor(new long[] { 1, 5, 9, 3 }).reshape(1, 4);
        using var noGrad = no_grad();
        using var a = model.forward(ids);
        using var b = reference.forward(ids);
        Assert.True(a.eq(b).all().item<bool>(), "the streamed model's logits differ from the copy_-loaded model's");
    }

    [Fact]
    public void Every_parameter_holds_the_file_value_so_no_random_initialisation_survives()
    {
        var dir = WriteShardedCheckpoint(ScalarType.Float32, seed: 15);
        var expected = ReadWholeFiles(dir, ScalarType.Float32);
        try
        {
            // A different seed than the checkpoint's: any parameter left from an initialiser would differ.
            manual_seed(99);
            using var model = LlamaForCausalLM.FromPretrained(dir);
            AssertBitForBit(expected, model);
        }
        finally
        {
            foreach (var t in expected.Values) t.Dispose();
        }
    }

    [Fact]
    public void Missing_and_misshapen_tensors_are_named_before_any_weight_is_read()
    {
        manual_seed(16);
        using var source = new LlamaForCausalLM(Tiny);
        source.Config.Save(Path.Combine(_dir, "config.json"));
        var state = source.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
        state.Remove("model.norm.weight");
        state["lm_head.weight"] = zeros(3, 32);
        state["model.layers.0.self_attn.rotary_emb.inv_freq"] = zeros(4); // recomputed by the model: ignored
        Safetensors.SaveStateDict(Path.Combine(_dir, "model.safetensors"), state);

        var e = Assert.Throws<CheckpointException>(() => LlamaForCausalLM.FromPretrained(_dir));

        Assert.Equal(2, e.Problems.Count);
        Assert.Contains(e.Problems, p => p.StartsWith("missing tensor 'model.norm.weight' [32]"));
        Assert.Contains(e.Problems, p => p.StartsWith("misshapen tensor 'lm_head.weight': checkpoint [3,32], model [96,32]"));
    }

    [Fact]
    public void A_shard_cut_short_after_its_check_is_named()
    {
        var dir = WriteShardedCheckpoint(ScalarType.Float16, seed: 17);
        var files = CheckpointFiles.Find(dir);
        var index = CheckpointIndex.Read(files); // headers checked while the files were whole
        var last = index.Tensors[^1];
        using (var stream = new FileStream(last.Path, FileMode.Open, FileAccess.Write))
            stream.SetLength(last.Offset + last.ByteLength / 2);

        using var model = new LlamaForCausalLM(Tiny);
        // The header check sees the cut first: the file is refused by name before anything is read.
        var e = Assert.Throws<CheckpointException>(() => CheckpointLoader.LoadInto(model, dir));
        Assert.Contains(Path.GetFileName(last.Path), e.Message);
        Assert.Contains(last.Name, e.Message);
    }

    [Fact]
    public void Pytorch_bin_is_streamed_by_zip_entry_like_pybridge_reads_it()
    {
        manual_seed(18);
        using var source = new LlamaForCausalLM(Tiny);
        source.Config.Save(Path.Combine(_dir, "config.json"));
        source.save_py(Path.Combine(_dir, "pytorch_model.bin"));
        var expected = Unpickled(Path.Combine(_dir, "pytorch_model.bin"));
        try
        {
            using var model = LlamaForCausalLM.FromPretrained(_dir, CPU, ScalarType.Float32, new CheckpointLoadOptions(ChunkBytes: 256));
            AssertBitForBit(expected, model);
            Assert.Equal(0, model.LoadStatistics!.WholeFileReads);
        }
        finally
        {
            foreach (var t in expected.Values) t.Dispose();
        }
    }

    [Fact]
    public void The_vqgan_fixture_bin_is_streamed_into_a_meta_built_model()
    {
        var expected = Unpickled(Path.Combine(VqganFixture.Directory, "pytorch_model.bin"));
        try
        {
            using var tokenizer = VqganTokenizer.Load(VqganFixture.Directory);
            Assert.Equal(0, tokenizer.LoadStatistics!.WholeFileReads);
            Assert.Equal(expected.Count, tokenizer.LoadStatistics.Tensors);
            Assert.All(tokenizer.Model.parameters(), p => Assert.Equal(DeviceType.CPU, p.device_type));
            AssertBitForBit(expected, tokenizer.Model);
        }
        finally
        {
            foreach (var t in expected.Values) t.Dispose();
        }
    }

    [Fact]
    public void A_chunk_size_outside_the_bounds_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new CheckpointLoadOptions(ChunkBytes: 8).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new CheckpointLoadOptions(ChunkBytes: CheckpointLoadOptions.MaxChunkBytes + 1).Validate());
    }

    private static Dictionary<string, Tensor> Unpickled(string path)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in PyTorchUnpickler.UnpickleStateDict(path))
            result[(string)entry.Key] = ((Tensor)entry.Value!).contiguous();
        return result;
    }
}
