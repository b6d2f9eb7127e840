using System.Buffers.Binary;
using System.IO.Compression;
using LvmCloud.Core.Datasets;
using LvmCloud.Core.Sentences;

namespace LvmCloud.Core.Tests.Datasets;

public sealed class IdxReaderTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Reads_plain_and_gzipped_idx()
    {
        byte[] idx = Idx([2, 3], [1, 2, 3, 4, 5, 6]);
        File.WriteAllBytes(_dir.File("plain.idx"), idx);
        File.WriteAllBytes(_dir.File("packed.idx.gz"), Gzip(idx));

        foreach (string name in new[] { "plain.idx", "packed.idx.gz" })
        {
            IdxArray array = IdxReader.Read(_dir.File(name));
            Assert.Equal([2, 3], array.Dimensions);
            Assert.Equal([1, 2, 3, 4, 5, 6], array.Data);
        }
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 8, 1, 0, 0, 0, 4, 1, 2, 3 }, "truncated")]
    [InlineData(new byte[] { 0, 0, 8, 1, 0, 0, 0, 2, 1, 2, 3 }, "bytes after")]
    [InlineData(new byte[] { 1, 0, 8, 1, 0, 0, 0, 1, 1 }, "two zero bytes")]
    [InlineData(new byte[] { 0, 0, 0x0D, 1, 0, 0, 0, 1, 1, 1, 1, 1 }, "0x0D")]
    [InlineData(new byte[] { 0, 0, 8, 0 }, "0 dimensions")]
    [InlineData(new byte[] { 0, 0, 8 }, "header")]
    public void Rejects_malformed_idx_with_a_specific_message(byte[] bytes, string mentions)
    {
        var ex = Assert.Throws<IdxFormatException>(() => IdxReader.Read(new MemoryStream(bytes), "bad.idx"));

        Assert.Contains(mentions, ex.Message);
        Assert.Contains("bad.idx", ex.Message);
    }

    [Fact]
    public void Rejects_a_damaged_gzip_stream()
    {
        byte[] packed = Gzip(Idx([4], [1, 2, 3, 4]));
        packed[^5] ^= 0xFF; // corrupt the stored length / checksum

        Assert.Throws<IdxFormatException>(() => IdxReader.Read(new MemoryStream(packed), "bad.gz"));
    }

    [Fact]
    public void Fashion_mnist_loads_images_and_labels()
    {
        // Two 2x3 images.
        byte[] pixels = [0, 51, 102, 153, 204, 255, 10, 20, 30, 40, 50, 60];
        File.WriteAllBytes(_dir.File("images.gz"), Gzip(Idx([2, 2, 3], pixels)));
        File.WriteAllBytes(_dir.File("labels.gz"), Gzip(Idx([2], [9, 0])));

        FashionMnist set = FashionMnist.Load(_dir.File("images.gz"), _dir.File("labels.gz"));

        Assert.Equal((2, 3, 2), (set.Count, set.Width, set.Height));
        Assert.Equal(9, set.GetLabel(0));
        Assert.Equal("Ankle boot", FashionMnist.ClassNames[set.GetLabel(0)]);
        var image = set.GetImage(0);
        Assert.Equal((3, 2), (image.Width, image.Height));
        float[] grey = [.. pixels[..6].Select(p => p / 255f)];
        Assert.Equal([.. grey, .. grey, .. grey], image.Data);
        IReadOnlyList<LabelledImage> labelled = set.ToLabelledImages(1, 1);
        Assert.Equal(0, Assert.Single(labelled).Label);
        Assert.Equal(10 / 255f, labelled[0].Image[1, 0, 0]);
    }

    [Fact]
    public void Fashion_mnist_rejects_mismatched_counts()
    {
        File.WriteAllBytes(_dir.File("images"), Idx([2, 1, 1], [1, 2]));
        File.WriteAllBytes(_dir.File("labels"), Idx([3], [1, 2, 3]));

        var ex = Assert.Throws<IdxFormatException>(() => FashionMnist.Load(_dir.File("images"), _dir.File("labels")));

        Assert.Contains("3 labels for 2 images", ex.Message);
    }

    [Fact]
    public void Fashion_mnist_rejects_labels_outside_the_ten_classes()
    {
        File.WriteAllBytes(_dir.File("images"), Idx([2, 1, 1], [1, 2]));
        File.WriteAllBytes(_dir.File("labels"), Idx([2], [1, 10]));

        var ex = Assert.Throws<IdxFormatException>(() => FashionMnist.Load(_dir.File("images"), _dir.File("labels")));

        Assert.Contains("label 10 at index 1", ex.Message);
    }

    private static byte[] Idx(int[] dimensions, byte[] data)
    {
        var bytes = new byte[4 + (4 * dimensions.Length) + data.Length];
        bytes[2] = 0x08;
        bytes[3] = (byte)dimensions.Length;
        for (int d = 0; d < dimensions.Length; d++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + (4 * d)), dimensions[d]);
        }

        data.CopyTo(bytes, 4 + (4 * dimensions.Length));
        return bytes;
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }
}
