namespace LvmCloud.Cli.Tests.Support;

/// <summary>A fresh folder under the system temp folder, deleted on dispose.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "lvm-cli-tests-" + Guid.NewGuid().ToString("N"));

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Writes <c>{"key": rows}</c> to <paramref name="name"/> and returns its path.</summary>
    public string WriteRows(string name, string key, IEnumerable<long[]> rows)
    {
        var path = File(name);
        System.IO.File.WriteAllText(path, System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, IEnumerable<long[]>> { [key] = rows }));
        return path;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
    }
}
