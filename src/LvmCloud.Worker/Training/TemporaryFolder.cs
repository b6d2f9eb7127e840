namespace LvmCloud.Worker.Training;

/// <summary>A local scratch folder that removes itself.</summary>
public sealed class TemporaryFolder(string path) : IDisposable
{
    public string Path { get; } = path;

    public void Dispose()
    {
        if (Directory.Exists(Path))
            Directory.Delete(Path, recursive: true);
    }
}
