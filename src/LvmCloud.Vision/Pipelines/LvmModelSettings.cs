using System.Text.Json;
using System.Text.Json.Serialization;

namespace LvmCloud.Vision.Pipelines;

/// <summary>
/// <c>lvm.json</c> beside a model's <c>tokenizer/</c> and <c>transformer/</c> folders: how the two are used together.
/// </summary>
/// <param name="ContextFrames">Images that fit the transformer's context (LVM: 16 = 4096 / 256). Prompts keep at most
/// <c>ContextFrames - 1</c> frames; longer generations slide the window.</param>
/// <param name="Name">Model name shown in results.</param>
/// <param name="Version">Model version.</param>
public sealed record LvmModelSettings(
    [property: JsonPropertyName("context_frames")] int ContextFrames = 16,
    [property: JsonPropertyName("name")] string Name = "lvm",
    [property: JsonPropertyName("version")] string Version = "1")
{
    public const string FileName = "lvm.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static LvmModelSettings Load(string modelDirectory)
    {
        string path = Path.Combine(modelDirectory, FileName);
        if (!File.Exists(path)) return new LvmModelSettings();
        var settings = JsonSerializer.Deserialize<LvmModelSettings>(File.ReadAllText(path))
            ?? throw new InvalidDataException($"'{path}' is empty.");
        if (settings.ContextFrames < 2)
            throw new InvalidDataException($"'{path}': context_frames must be at least 2 (one prompt frame and one new frame), got {settings.ContextFrames}.");
        return settings;
    }

    public void Save(string modelDirectory) =>
        File.WriteAllText(Path.Combine(modelDirectory, FileName), JsonSerializer.Serialize(this, Json));
}
