using Azure.Storage.Blobs;
using LvmCloud.Core.Sentences;
using LvmCloud.Platform.Storage;

namespace LvmCloud.Platform.Tests.Infrastructure;

/// <summary>
/// A dataset as its owner keeps it: a local folder (images and <c>sentences.jsonl</c>, for in-process comparisons)
/// mirrored to <c>datasets/{name}/</c>, images first and <c>sentences.jsonl</c> last. Names are unique per test, and
/// <see cref="DeleteAsync"/> removes the blobs again, since the collection's tests share the container.
/// </summary>
internal sealed class DatasetSeeder(PlatformHarness harness, string folder)
{
    private readonly List<string> _lines = [];

    public string Name { get; } = "ds-" + Guid.NewGuid().ToString("N")[..10];
    public string Folder { get; } = Directory.CreateDirectory(folder).FullName;
    public IReadOnlyList<string> Lines => _lines;

    /// <summary>Adds <paramref name="count"/> sentences of <paramref name="images"/> distinct 16 px images each (ids s{n}), locally.</summary>
    public void AddSentences(int count, int images = 2)
    {
        for (var i = 0; i < count; i++)
        {
            var n = _lines.Count;
            var paths = new List<string>();
            for (var f = 0; f < images; f++)
            {
                var path = $"s{n:D4}/{f:D2}.png";
                WriteImage(path, TestImages.Png(16, 16, (byte)((n * 37 + f * 91) % 256)));
                paths.Add(path);
            }
            _lines.Add(VisualSentenceParser.Format(paths, "sequence", $"s{n:D4}"));
        }
    }

    public void AddLine(string line) => _lines.Add(line);

    public void WriteImage(string path, byte[] bytes)
    {
        var local = Path.Combine(Folder, path.Replace('/', Path.DirectorySeparatorChar));
        Directory.CreateDirectory(Path.GetDirectoryName(local)!);
        File.WriteAllBytes(local, bytes);
    }

    /// <summary>Writes sentences.jsonl locally and uploads what changed since the last upload (all images the first time), sentences.jsonl last.</summary>
    public async Task UploadAsync(IEnumerable<string>? onlyImages = null)
    {
        await File.WriteAllTextAsync(Path.Combine(Folder, StorageLayout.SentencesFileName), string.Join('\n', _lines) + "\n");
        var container = harness.Clients.Datasets;
        var files = onlyImages?.ToList() ?? Directory.EnumerateFiles(Folder, "*.png", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Folder, f).Replace(Path.DirectorySeparatorChar, '/')).ToList();
        foreach (var path in files)
            await container.GetBlobClient(StorageLayout.DatasetPrefix(Name) + path).UploadAsync(Path.Combine(Folder, path), overwrite: true);
        await SentencesBlob.UploadAsync(Path.Combine(Folder, StorageLayout.SentencesFileName), overwrite: true);
    }

    public BlobClient SentencesBlob => harness.Clients.Datasets.GetBlobClient(StorageLayout.SentencesPath(Name));

    public async Task DeleteAsync()
    {
        await foreach (var blob in harness.Clients.Datasets.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, StorageLayout.DatasetPrefix(Name), CancellationToken.None))
            await harness.Clients.Datasets.DeleteBlobIfExistsAsync(blob.Name);
    }
}
