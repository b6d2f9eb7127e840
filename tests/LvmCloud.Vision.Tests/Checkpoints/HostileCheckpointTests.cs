using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using LvmCloud.Vision.Checkpoints;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Checkpoints;

/// <summary>
/// Checkpoints that lie: safetensors headers whose sizes or offsets are wrong, truncated shards, indexes naming files
/// outside the folder, and pickles asking for more than tensor rebuilding. Each is refused with an error naming it,
/// before a tensor is allocated or anything in it is run.
/// </summary>
public sealed class HostileCheckpointTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("lvm-hostile-ckpt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed class OneWeight : nn.Module<Tensor, Tensor>
    {
        private readonly Linear w;

        public OneWeight() : base(nameof(OneWeight))
        {
            w = nn.Linear(2, 2, hasBias: false);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => w.forward(x);
    }

    private string WriteSafetensors(string header, byte[] data, string name = "model.safetensors")
    {
        var bytes = Encoding.UTF8.GetBytes(header);
        using var file = File.Create(Path.Combine(_dir, name));
        file.Write(BitConverter.GetBytes((ulong)bytes.Length));
        file.Write(bytes);
        file.Write(data);
        return file.Name;
    }

    private static CheckpointException Refuses(string dir)
    {
        using var module = new OneWeight();
        long before = Process.GetCurrentProcess().WorkingSet64;
        var e = Assert.Throws<CheckpointException>(() => CheckpointLoader.LoadInto(module, dir));
        long grown = Process.GetCurrentProcess().WorkingSet64 - before;
        Assert.True(grown < 256L * 1024 * 1024, $"refusing the checkpoint took {grown} bytes of memory");
        return e;
    }

    [Fact]
    public void Well_formed_hand_written_safetensors_loads()
    {
        // The writer the hostile cases below vary: this one is honest, so the loader takes it.
        var data = new float[] { 1, 2, 3, 4 }.SelectMany(BitConverter.GetBytes).ToArray();
        WriteSafetensors("""{"w.weight": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}}""", data);
        using var module = new OneWeight();
        CheckpointLoader.LoadInto(module, _dir);
        Assert.Equal([1f, 2, 3, 4], module.state_dict()["w.weight"].data<float>().ToArray());
    }

    [Theory]
    [InlineData("""{"w.weight": {"dtype": "F32", "shape": [1000000, 1000000], "data_offsets": [0, 16]}}""", "needs 4000000000000 bytes")]
    [InlineData("""{"w.weight": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 1099511627776]}}""", "past the end of the data")]
    [InlineData("""{"w.weight": {"dtype": "F32", "shape": [2, 2], "data_offsets": [16, 0]}}""", "do not form a range")]
    [InlineData("""{"w.weight": {"dtype": "F32", "shape": [2, -2], "data_offsets": [0, 16]}}""", "not a non-negative integer")]
    [InlineData("""{"w.weight": {"dtype": "F32", "shape": [4611686018427387904, 4], "data_offsets": [0, 16]}}""", "overflows")]
    [InlineData("""{"w.weight": {"dtype": "C64", "shape": [2, 2], "data_offsets": [0, 16]}}""", "no known dtype")]
    [InlineData("""{"w.weight": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}, "x": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}}""", "overlaps tensor 'w.weight'")]
    [InlineData("""[1, 2, 3]""", "not a JSON object")]
    [InlineData("""{"w.weight": """, "not valid JSON")]
    public void Safetensors_header_that_lies_is_refused_naming_the_tensor_before_allocating(string header, string problem)
    {
        WriteSafetensors(header, new byte[16]);
        var e = Refuses(_dir);
        Assert.Contains("'model.safetensors' is not a valid safetensors file", e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void Safetensors_header_length_of_a_terabyte_is_refused_without_reading_it()
    {
        string path = Path.Combine(_dir, "model.safetensors");
        File.WriteAllBytes(path, [.. BitConverter.GetBytes(1UL << 40), .. "{}"u8]);
        var e = Refuses(_dir);
        Assert.Contains($"declares {1UL << 40} bytes", e.Message);

        File.WriteAllBytes(path, [.. BitConverter.GetBytes(1000UL), .. "{}"u8]);
        Assert.Contains("truncated", Refuses(_dir).Message);
    }

    [Fact]
    public void Truncated_shard_of_a_real_checkpoint_is_refused_naming_the_shard()
    {
        string fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "llama_gqa", "model.safetensors");
        var bytes = File.ReadAllBytes(fixture);
        File.WriteAllBytes(Path.Combine(_dir, "model-00002-of-00002.safetensors"), bytes[..(bytes.Length / 2)]);
        File.WriteAllText(Path.Combine(_dir, CheckpointFiles.SafetensorsIndex), """{"weight_map": {"w.weight": "model-00002-of-00002.safetensors"}}""");
        var e = Refuses(_dir);
        Assert.Contains("'model-00002-of-00002.safetensors'", e.Message);
        Assert.Contains("past the end of the data", e.Message);
    }

    [Theory]
    [InlineData("../outside.safetensors")]
    [InlineData("/etc/passwd")]
    [InlineData("..")]
    [InlineData("sub/model.safetensors")]
    [InlineData("..\\\\outside.safetensors")]
    [InlineData("C:outside.safetensors")]
    public void Index_naming_a_file_outside_the_folder_is_refused_naming_it(string shard)
    {
        Directory.CreateDirectory(Path.Combine(_dir, "sub"));
        File.WriteAllText(Path.Combine(_dir, "sub", "model.safetensors"), "");
        File.WriteAllText(Path.Combine(_dir, CheckpointFiles.SafetensorsIndex), $$$"""{"weight_map": {"w.weight": "{{{shard}}}"}}""");
        var e = Assert.Throws<InvalidDataException>(() => CheckpointFiles.Find(_dir));
        Assert.Contains("outside the model folder", e.Message);
        Assert.Contains("w.weight", e.Message);
    }

    [Theory]
    [InlineData("""{"weight_map": {"w.weight": 42}}""", "maps to Number")]
    [InlineData("""{"weight_map": ["a"]}""", "no \"weight_map\" object")]
    [InlineData("""[]""", "no \"weight_map\" object")]
    [InlineData("""{"weight_map": """, "not valid JSON")]
    public void Index_with_wrong_types_is_refused_naming_the_index(string index, string problem)
    {
        File.WriteAllText(Path.Combine(_dir, CheckpointFiles.SafetensorsIndex), index);
        var e = Assert.Throws<InvalidDataException>(() => CheckpointFiles.Find(_dir));
        Assert.Contains(CheckpointFiles.SafetensorsIndex, e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void Hand_written_pickle_of_tensor_rebuilding_loads()
    {
        WriteBin(Pickle.StateDict(numel: 4));
        using var module = new OneWeight();
        CheckpointLoader.LoadInto(module, _dir);
        Assert.Equal([1f, 2, 3, 4], module.state_dict()["w.weight"].data<float>().ToArray());
    }

    [Theory]
    [InlineData("os", "system")]
    [InlineData("builtins", "eval")]
    [InlineData("subprocess", "Popen")]
    [InlineData("torch._utils", "_rebuild_parameter")]
    [InlineData("torch", "load")]
    public void Pickle_asking_for_a_global_other_than_tensor_rebuilding_is_refused_naming_it(string module, string name)
    {
        string marker = Path.Combine(_dir, "executed");
        WriteBin(Pickle.Calling(module, name, $"touch {marker}", stackGlobal: false));
        var e = Refuses(_dir);
        Assert.Contains("'pytorch_model.bin' is refused", e.Message);
        Assert.Contains($"{module}.{name}", e.Message);
        Assert.False(File.Exists(marker));

        WriteBin(Pickle.Calling(module, name, $"touch {marker}", stackGlobal: true));
        Assert.Contains($"{module}.{name}", Refuses(_dir).Message);
    }

    [Fact]
    public void Pickle_with_an_object_building_opcode_is_refused_naming_it()
    {
        // INST 'i': "os\nsystem\n" applied to the marked arguments, the classic pickle exploit without GLOBAL.
        WriteBin([0x80, 2, (byte)'(', .. Pickle.Unicode("id"), (byte)'i', .. "os\nsystem\n"u8, (byte)'.']);
        var e = Refuses(_dir);
        Assert.Contains("opcode 0x69 ('i')", e.Message);
    }

    [Theory]
    [InlineData(1_000_000_000, 4, "declares 1000000000 FloatStorage elements")]
    [InlineData(4, 1_000_000, "reaches past the storage")]
    public void Pickle_whose_tensor_claims_more_than_its_storage_is_refused_before_allocating(long numel, long rows, string problem)
    {
        WriteBin(Pickle.StateDict(numel, rows));
        var e = Refuses(_dir);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void Legacy_and_broken_archives_are_refused_naming_the_file()
    {
        File.WriteAllBytes(Path.Combine(_dir, CheckpointFiles.PyTorchBin), [0x80, 2, (byte)'}', (byte)'.']);
        Assert.Contains("not a zip-format torch.save file", Refuses(_dir).Message);
        File.WriteAllBytes(Path.Combine(_dir, CheckpointFiles.PyTorchBin), [.. "PK\x03\x04"u8, 1, 2, 3]);
        Assert.Contains("cannot be read", Refuses(_dir).Message);
    }

    [Fact]
    public void Real_pytorch_checkpoint_passes_the_pickle_check()
    {
        PickleCheck.Check(Path.Combine(AppContext.BaseDirectory, "Fixtures", "llama_gqa", CheckpointFiles.PyTorchBin));
        SafetensorsCheck.Check(Path.Combine(AppContext.BaseDirectory, "Fixtures", "llama_gqa", CheckpointFiles.Safetensors));
    }

    private void WriteBin(byte[] pickle)
    {
        using var file = File.Create(Path.Combine(_dir, CheckpointFiles.PyTorchBin));
        using var zip = new ZipArchive(file, ZipArchiveMode.Create);
        using (var pkl = zip.CreateEntry("archive/data.pkl").Open())
            pkl.Write(pickle);
        using var data = zip.CreateEntry("archive/data/0").Open();
        data.Write(new float[] { 1, 2, 3, 4 }.SelectMany(BitConverter.GetBytes).ToArray());
    }

    /// <summary>Protocol-2 pickles written opcode by opcode, as torch.save writes a state_dict.</summary>
    private static class Pickle
    {
        public static byte[] Unicode(string s)
        {
            var utf8 = Encoding.UTF8.GetBytes(s);
            return [(byte)'X', .. BitConverter.GetBytes(utf8.Length), .. utf8];
        }

        private static byte[] Global(string module, string name) => [(byte)'c', .. Encoding.ASCII.GetBytes($"{module}\n{name}\n")];

        private static byte[] Int(long value) => [(byte)'J', .. BitConverter.GetBytes((int)value)];

        /// <summary>{"w.weight": a (rows x 2/rows...) float tensor over storage "0" of <paramref name="numel"/> elements}.</summary>
        public static byte[] StateDict(long numel, long rows = 2) =>
        [
            0x80, 2, .. Global("collections", "OrderedDict"), (byte)')', (byte)'R',
            (byte)'(', .. Unicode("w.weight"),
            .. Global("torch._utils", "_rebuild_tensor_v2"),
            (byte)'(',
            (byte)'(', .. Unicode("storage"), .. Global("torch", "FloatStorage"), .. Unicode("0"), .. Unicode("cpu"), .. Int(numel), (byte)'t', (byte)'Q',
            .. Int(0), .. Int(rows), .. Int(2), 0x86, .. Int(2), .. Int(1), 0x86, 0x89,
            .. Global("collections", "OrderedDict"), (byte)')', (byte)'R',
            (byte)'t', (byte)'R',
            (byte)'u', (byte)'.',
        ];

        /// <summary>{"w.weight": module.name(argument)}, naming the callable with GLOBAL or STACK_GLOBAL.</summary>
        public static byte[] Calling(string module, string name, string argument, bool stackGlobal) =>
        [
            0x80, 4, .. Global("collections", "OrderedDict"), (byte)')', (byte)'R',
            (byte)'(', .. Unicode("w.weight"),
            .. (stackGlobal ? [.. Unicode(module), 0x94, .. Unicode(name), 0x94, 0x93] : Global(module, name)),
            .. Unicode(argument), 0x85, (byte)'R',
            (byte)'u', (byte)'.',
        ];
    }
}
