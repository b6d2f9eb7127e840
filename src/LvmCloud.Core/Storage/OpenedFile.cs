namespace LvmCloud.Core.Storage;

/// <summary>
/// A file opened by <see cref="IFileStore.OpenAsync"/>: <see cref="Content"/> (the whole file or the range asked for)
/// and <see cref="Info"/> of the version being read (<see cref="StoredFile.Length"/> is the whole file's length).
/// Disposing it disposes the content.
/// </summary>
public sealed class OpenedFile(StoredFile info, Stream content) : IAsyncDisposable, IDisposable
{
    public StoredFile Info { get; } = info;
    public Stream Content { get; } = content;

    public ValueTask DisposeAsync() => Content.DisposeAsync();

    public void Dispose() => Content.Dispose();
}
