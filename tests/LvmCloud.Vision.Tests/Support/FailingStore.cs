using LvmCloud.Core.Storage;

namespace LvmCloud.Vision.Tests.Support;

/// <summary>
/// A real store that stops at one operation, as a process killed at that moment would: writes or deletes whose
/// path matches <paramref name="failsAt"/> throw before touching anything; everything else goes through.
/// </summary>
internal sealed class FailingStore(IFileStore inner, Func<string, string, bool> failsAt) : IFileStore
{
    public string Describe(string path) => inner.Describe(path);

    public Task<StoredFile?> GetInfoAsync(string path, CancellationToken cancellationToken = default) => inner.GetInfoAsync(path, cancellationToken);

    public Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken = default) => inner.OpenReadAsync(path, cancellationToken);

    public Task WriteAsync(string path, Stream content, string? contentType = null, CancellationToken cancellationToken = default) =>
        failsAt("write", path) ? throw new IOException($"killed before writing {path}") : inner.WriteAsync(path, content, contentType, cancellationToken);

    public IAsyncEnumerable<StoredFile> ListAsync(string prefix = "", CancellationToken cancellationToken = default) => inner.ListAsync(prefix, cancellationToken);

    public Task<bool> DeleteAsync(string path, CancellationToken cancellationToken = default) =>
        failsAt("delete", path) ? throw new IOException($"killed before deleting {path}") : inner.DeleteAsync(path, cancellationToken);
}
