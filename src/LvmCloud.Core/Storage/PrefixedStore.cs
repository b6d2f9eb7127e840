namespace LvmCloud.Core.Storage;

/// <summary>A view of a folder inside another store: paths are relative to <see cref="Prefix"/>.</summary>
public sealed class PrefixedStore : IFileStore
{
    private readonly IFileStore _inner;

    public PrefixedStore(IFileStore inner, string prefix)
    {
        _inner = inner;
        Prefix = StorePath.RequirePrefix(prefix);
    }

    /// <summary>The folder, "" or ending with '/'.</summary>
    public string Prefix { get; }

    public string Describe(string path) => _inner.Describe(Prefix + StorePath.Require(path));

    public Task<StoredFile?> GetInfoAsync(string path, CancellationToken cancellationToken = default) =>
        Strip(_inner.GetInfoAsync(Prefix + StorePath.Require(path), cancellationToken));

    public Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken = default) =>
        _inner.OpenReadAsync(Prefix + StorePath.Require(path), cancellationToken);

    public async Task<OpenedFile> OpenAsync(string path, ByteRange? range = null, string? ifVersion = null, CancellationToken cancellationToken = default)
    {
        var opened = await _inner.OpenAsync(Prefix + StorePath.Require(path), range, ifVersion, cancellationToken);
        return new OpenedFile(opened.Info with { Path = path }, opened.Content);
    }

    public Task WriteAsync(string path, Stream content, string? contentType = null, CancellationToken cancellationToken = default) =>
        _inner.WriteAsync(Prefix + StorePath.Require(path), content, contentType, cancellationToken);

    public Task<StoredFile?> TryWriteAsync(string path, Stream content, FileWriteOptions options, CancellationToken cancellationToken = default) =>
        Strip(_inner.TryWriteAsync(Prefix + StorePath.Require(path), content, options, cancellationToken));

    public async IAsyncEnumerable<StoredFile> ListFolderAsync(string folder = "", [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var file in _inner.ListFolderAsync(Prefix + StorePath.RequirePrefix(folder), cancellationToken))
            yield return file with { Path = file.Path[Prefix.Length..] };
    }

    public IAsyncEnumerable<string> ListFoldersAsync(string prefix = "", CancellationToken cancellationToken = default) =>
        _inner.ListFoldersAsync(Prefix + StorePath.RequirePrefix(prefix), cancellationToken);

    public async IAsyncEnumerable<StoredFile> ListAsync(string prefix = "", [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var file in _inner.ListAsync(Prefix + prefix, cancellationToken))
            yield return file with { Path = file.Path[Prefix.Length..] };
    }

    public Task<bool> DeleteAsync(string path, CancellationToken cancellationToken = default) =>
        _inner.DeleteAsync(Prefix + StorePath.Require(path), cancellationToken);

    private async Task<StoredFile?> Strip(Task<StoredFile?> info) =>
        await info is { } file ? file with { Path = file.Path[Prefix.Length..] } : null;
}
