using System.Buffers.Binary;
using System.IO.Compression;
using LvmCloud.Cli.Tests.Support;
using LvmCloud.Core.Tokens;

namespace LvmCloud.Cli.Tests.Training;

/// <summary>
/// The bundled model's recipe, end to end through the real commands, at toy size: IDX files → visual sentences →
/// tokenizer → token shards → transformer → model folder → eval and complete.
/// </summary>
public sealed class TrainingRecipeTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>Gzipped IDX3 images (28×28 bright rectangles) and IDX1 labels, as Debian's dataset package ships them.</summary>
    private string WriteFashionMnist(int count)
    {
        string dir = _temp.File("idx");
        Directory.CreateDirectory(dir);
        var rng = new Random(5);
        var images = new byte[16 + count * 28 * 28];
        BinaryPrimitives.WriteInt32BigEndian(images, 0x00000803);
        BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(8), 28);
        BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(12), 28);
        var labels = new byte[8 + count];
        BinaryPrimitives.WriteInt32BigEndian(labels, 0x00000801);
        BinaryPrimitives.WriteInt32BigEndian(labels.AsSpan(4), count);
        for (int i = 0; i < count; i++)
        {
            int x0 = rng.Next(2, 12), y0 = rng.Next(2, 12), w = rng.Next(6, 14), h = rng.Next(6, 14);
            for (int y = y0; y < y0 + h; y++)
                for (int x = x0; x < x0 + w; x++)
                    images[16 + i * 784 + y * 28 + x] = (byte)(150 + (x * 7 + y * 3) % 100);
            labels[8 + i] = (byte)(i % 3);
        }
        foreach (var (name, bytes) in new[] { ("train-images-idx3-ubyte.gz", images), ("train-labels-idx1-ubyte.gz", labels), ("t10k-images-idx3-ubyte.gz", images), ("t10k-labels-idx1-ubyte.gz", labels) })
        {
            using var file = File.Create(Path.Combine(dir, name));
            using var gz = new GZipStream(file, CompressionLevel.Fastest);
            gz.Write(bytes);
        }
        return dir;
    }

    private static async Task<CliResult> Ok(params string[] args)
    {
        var result = await CliRun.RunAsync(args);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }

    [Fact]
    public async Task Recipe_commands_train_a_model_that_complete_and_eval_can_use_and_resume_from_checkpoints()
    {
        string idx = WriteFashionMnist(24);
        string train = _temp.File("train"), test = _temp.File("test"), batch = _temp.File("batch");
        await Ok("dataset-fashion-mnist", "--source", idx, "--out", train, "--sentences", "20", "--seed", "1");
        await Ok("dataset-fashion-mnist", "--source", idx, "--out", test, "--split", "test", "--sentences", "10", "--seed", "2");
        await Ok("dataset-fashion-mnist", "--source", idx, "--out", batch, "--split", "test", "--sentences", "3", "--seed", "3", "--as-batch");
        Assert.Equal(20, File.ReadAllLines(Path.Combine(train, "sentences.jsonl")).Length);

        string tokRun = _temp.File("runs/tokenizer");
        var tok = await Ok("train-tokenizer", "--data", train, "--eval-data", test, "--out", tokRun, "--preset", "tiny", "--steps", "6", "--warmup", "1", "--batch-size", "8", "--threads", "1", "--json");
        Assert.Equal(6, tok.Json().GetProperty("steps").GetInt32());
        Assert.True(File.Exists(Path.Combine(tokRun, "loss.png")));
        string tokenizer = Path.Combine(tokRun, "checkpoint", "model");

        string shard = _temp.File("train-tokens");
        await Ok("tokenize-dataset", "--tokenizer", tokenizer, "--data", train, "--out", shard, "--threads", "1");
        byte[] first = File.ReadAllBytes(shard + ".jsonl");
        await Ok("tokenize-dataset", "--tokenizer", tokenizer, "--data", train, "--out", shard, "--threads", "1");
        Assert.Equal(first, File.ReadAllBytes(shard + ".jsonl")); // same data in, same bytes out
        var tokens = TokenShardReader.Read(shard + ".bin");
        Assert.Equal(20, tokens.Count);
        Assert.All(tokens, row => Assert.Equal(4 * 64, row.Length));
        await Ok("tokenize-dataset", "--tokenizer", tokenizer, "--data", test, "--out", _temp.File("test-tokens"), "--threads", "1");

        string lmRun = _temp.File("runs/transformer");
        await Ok("train", "--tokens", shard + ".bin", "--eval-tokens", _temp.File("test-tokens.bin"), "--out", lmRun, "--preset", "tiny", "--steps", "4", "--warmup", "1", "--batch-size", "4", "--eval-every", "2", "--threads", "1");
        // Asked again for more steps, the run resumes at its checkpoint.
        var resumed = await Ok("train", "--tokens", shard + ".bin", "--out", lmRun, "--preset", "tiny", "--steps", "6", "--warmup", "1", "--batch-size", "4", "--threads", "1", "--json");
        Assert.Equal(6, resumed.Json().GetProperty("steps").GetInt32());
        var loggedSteps = LvmCloud.Core.Training.TrainingLog.Read(Path.Combine(lmRun, "loss.csv"))["train_loss"].Select(p => p.Step);
        Assert.Equal([2, 4, 6], loggedSteps); // evaluations at 2 and 4, the end at 6: one curve, no step twice

        string model = _temp.File("model");
        await Ok("assemble-model", "--tokenizer", tokenizer, "--transformer", Path.Combine(lmRun, "checkpoint", "model"), "--context-frames", "4", "--out", model);
        var eval = await Ok("eval", "--model", model, "--data", test, "--train-tokens", shard + ".bin", "--threads", "1", "--json");
        var tasks = eval.Json().GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("task").GetString()).ToList();
        Assert.Contains("pairs-invert", tasks);
        Assert.True(eval.Json().GetProperty("tokenizer").GetProperty("codebookUsage").GetDouble() > 0);

        var complete = await CliRun.RunAsync("complete", Path.Combine(batch, "manifest.jsonl"), "--out", _temp.File("out"), "--model", model, "--threads", "1", "--json");
        Assert.True(complete.ExitCode == 0, complete.ToString());
        Assert.Equal(3, complete.Json().GetProperty("succeeded").GetInt32());
    }
}
