using LvmCloud.Core.Images;

namespace LvmCloud.Bench.RealSize;

/// <summary>
/// The whole-item benchmark's batch: one item of three 256 px prompt frames (smooth colour gradients that shift from
/// frame to frame) asking for one new frame with one candidate, default sampling, seed 0: <c>manifest.jsonl</c> and
/// <c>inputs/real-item/{0,1,2}.png</c> in <paramref name="directory"/>.
/// </summary>
public static class BenchItemManifest
{
    public const string FolderName = "bench-item";
    public const string ManifestFileName = "manifest.jsonl";
    public const string ItemId = "real-item";
    public const int Frames = 3;

    public static string Write(string directory, int resolution)
    {
        string inputs = Path.Combine(directory, "inputs", ItemId);
        Directory.CreateDirectory(inputs);
        var names = new List<string>();
        for (int f = 0; f < Frames; f++)
        {
            ImageWriter.SavePng(Gradient(resolution, f), Path.Combine(inputs, $"{f}.png"));
            names.Add($"\"{ItemId}/{f}.png\"");
        }
        string manifest = Path.Combine(directory, ManifestFileName);
        File.WriteAllText(manifest,
            $"{{\"id\":\"{ItemId}\",\"input\":[{string.Join(",", names)}],\"output\":\"{ItemId}.png\",\"n_new_frames\":1,\"n_candidates\":1,\"seed\":0}}\n");
        return manifest;
    }

    private static RgbImage Gradient(int side, int frame)
    {
        var image = new RgbImage(side, side);
        for (int y = 0; y < side; y++)
            for (int x = 0; x < side; x++)
            {
                float u = (float)x / (side - 1), v = (float)y / (side - 1);
                image.Data[y * side + x] = (u + frame / 3f) % 1f;
                image.Data[side * side + y * side + x] = v;
                image.Data[2 * side * side + y * side + x] = 1f - (u + v) / 2;
            }
        return image;
    }
}
