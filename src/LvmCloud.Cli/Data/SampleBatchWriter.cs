using System.Text.Json;
using LvmCloud.Core.Images;
using LvmCloud.Core.Sentences;

namespace LvmCloud.Cli.Data;

/// <summary>
/// Writes generated sentences as a batch for <c>lvm complete</c>: <c>inputs/{id}/{k}.png</c> and a
/// <c>manifest.jsonl</c> whose items prompt with all frames but the last and name the last as the target.
/// </summary>
public static class SampleBatchWriter
{
    public const string ManifestName = "manifest.jsonl";

    public static int Write(string folder, IEnumerable<GeneratedSentence> sentences, int candidates = 2)
    {
        Directory.CreateDirectory(Path.Combine(folder, "inputs"));
        using var manifest = new StreamWriter(Path.Combine(folder, ManifestName), append: false, new System.Text.UTF8Encoding(false));
        int n = 0;
        foreach (var sentence in sentences)
        {
            string id = $"{(sentence.Detail ?? sentence.Kind).Replace("label-", "category-")}-{n:D3}";
            var paths = new List<string>();
            for (int k = 0; k < sentence.Images.Count; k++)
            {
                string relative = $"{id}/{k}.png";
                ImageWriter.SavePng(sentence.Images[k], Path.Combine(folder, "inputs", relative));
                paths.Add(relative);
            }
            var line = new Dictionary<string, object>
            {
                ["id"] = id,
                ["input"] = paths.Take(paths.Count - 1).ToArray(),
                ["target"] = new[] { paths[^1] },
                ["output"] = $"{id}.png",
                ["n_candidates"] = candidates,
                ["seed"] = n,
            };
            manifest.WriteLine(JsonSerializer.Serialize(line));
            n++;
        }
        return n;
    }
}
