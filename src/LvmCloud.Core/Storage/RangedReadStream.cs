namespace LvmCloud.Core.Storage;

/// <summary>
/// A seekable read-only stream over one version of a store file that fetches it in blocks of <c>blockSize</c> bytes as
/// it is read (one <see cref="IFileStore.OpenAsync"/> range read per block, pinned to the version): a reader that stops
/// early (an image header check) costs only the blocks it touched.
/// </summary>
/// <exception cref="FileVersionChangedException">Thrown by a read when the file was replaced since <c>file</c> was read.</exception>
public sealed class RangedReadStream(IFileStore store, StoredFile file, int blockSize) : Stream
{
    private readonly int _blockSize = blockSize > 0 ? blockSize : throw new ArgumentOutOfRangeException(nameof(blockSize), blockSize, "The block size must be positive.");
    private byte[] _block = [];
    private long _blockStart;
    private long _position;

    /// <summary>Blocks fetched so far; for tests and logs.</summary>
    public int BlocksFetched { get; private set; }

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => file.Length;
    public override long Position { get => _position; set => _position = Math.Clamp(value, 0, file.Length); }
    public override void Flush() { }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_position >= file.Length || buffer.Length == 0) return 0;
        if (_position < _blockStart || _position >= _blockStart + _block.Length)
            await FetchAsync(_position / _blockSize * _blockSize, cancellationToken);
        int offset = (int)(_position - _blockStart);
        int n = Math.Min(buffer.Length, _block.Length - offset);
        _block.AsMemory(offset, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    private async Task FetchAsync(long start, CancellationToken cancellationToken)
    {
        int count = (int)Math.Min(_blockSize, file.Length - start);
        var block = new byte[count];
        await using (var opened = await store.OpenAsync(file.Path, new ByteRange(start, count), file.Version, cancellationToken))
            await opened.Content.ReadExactlyAsync(block, cancellationToken);
        _block = block;
        _blockStart = start;
        BlocksFetched++;
    }

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        _ => file.Length + offset,
    };

    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
