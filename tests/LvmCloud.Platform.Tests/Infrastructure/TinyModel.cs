using LvmCloud.Platform.Storage;
using LvmCloud.Vision.Pipelines;
using LvmCloud.Vision.Tokenizer;
using LvmCloud.Vision.Transformer;
using static TorchSharp.torch;

namespace LvmCloud.Platform.Tests.Infrastructure;

/// <summary>
/// A real LVM with random weights, small enough for tests: the Tiny VQGAN (16 px, 64 tokens, 64 codes) and a
/// 2-layer transformer whose vocabulary covers the codebook, saved in the <c>{name}/{version}/</c> layout the
/// worker loads (tokenizer/, transformer/, lvm.json).
/// </summary>
internal static class TinyModel
{
    public const string Name = "tiny";
    public const string Version = "1";
    public const int Resolution = 16;

    /// <summary>
    /// Saves the model under <paramref name="root"/>/tiny/{version} and returns that folder (another seed: other
    /// weights; more <paramref name="layers"/>: the same size of codes, slower to run, for tests that need a job to
    /// last a while).
    /// </summary>
    public static string Save(string root, int seed = 0, string version = Version, int layers = 2)
    {
        manual_seed(seed);
        using var model = new LvmModel(
            new VqganTokenizer(new VqganModel(VqganPresets.Tiny)),
            new LlamaForCausalLM(new LlamaConfig(72, 32, 64, layers, 4, 2, MaxPositionEmbeddings: 4 * 64)),
            new LvmModelSettings(ContextFrames: 4, Name, version));
        var folder = Path.Combine(root, Name, version);
        model.Save(folder);
        return folder;
    }

    /// <summary>Uploads a saved model folder to the <c>models</c> container as <c>tiny/1/...</c>.</summary>
    public static async Task UploadAsync(StorageClients clients, string folder)
    {
        var container = clients.Blobs.GetBlobContainerClient(StorageLayout.ModelsContainer);
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(folder, file).Replace(Path.DirectorySeparatorChar, '/');
            await container.GetBlobClient($"{Name}/{Version}/{relative}").UploadAsync(file, overwrite: true);
        }
    }
}
