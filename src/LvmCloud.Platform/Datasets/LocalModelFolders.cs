using System.Text.Json;
using LvmCloud.Platform.Queues;

namespace LvmCloud.Platform.Datasets;

/// <summary>
/// Where a model is in a local folder of models: <c>{name}/{version}/</c>, or <c>{name}/</c> itself when that is a
/// model folder and the version asked for is <c>latest</c> or the one in its <c>lvm.json</c> (the bundled
/// <c>models/fmnist-lvm</c> is such a folder). The worker's model store and tokenize planning find models by the
/// same rules, so they agree on which files a name and version mean.
/// </summary>
public static class LocalModelFolders
{
    /// <summary>The version name that also selects an unversioned model folder.</summary>
    public const string LatestVersion = "latest";
    public const string TokenizerFolder = "tokenizer";
    public const string TransformerFolder = "transformer";
    public const string SettingsFileName = "lvm.json";

    /// <summary>
    /// The model folder for <paramref name="reference"/> under <paramref name="root"/>, or null. A folder counts when
    /// it holds <c>tokenizer/</c> and, unless <paramref name="tokenizerOnly"/>, <c>transformer/</c>.
    /// </summary>
    public static string? Find(string root, ModelReference reference, bool tokenizerOnly = false)
    {
        var versioned = Path.Combine(root, reference.Name, reference.Version);
        if (IsModelFolder(versioned, tokenizerOnly))
            return versioned;
        var named = Path.Combine(root, reference.Name);
        if (!IsModelFolder(named, tokenizerOnly))
            return null;
        if (reference.Version == LatestVersion)
            return named;
        return SettingsVersion(named) == reference.Version ? named : null;
    }

    private static bool IsModelFolder(string folder, bool tokenizerOnly) =>
        Directory.Exists(Path.Combine(folder, TokenizerFolder)) && (tokenizerOnly || Directory.Exists(Path.Combine(folder, TransformerFolder)));

    /// <summary>The <c>version</c> of the folder's <c>lvm.json</c>; null without one.</summary>
    private static string? SettingsVersion(string folder)
    {
        var path = Path.Combine(folder, SettingsFileName);
        if (!File.Exists(path))
            return null;
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("version", out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString()
            : "1"; // LvmModelSettings' default version
    }
}
