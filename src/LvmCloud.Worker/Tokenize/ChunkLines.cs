namespace LvmCloud.Worker.Tokenize;

/// <summary>A <c>tokenize</c> chunk's lines as read: their bytes, the file's ETag, and why they cannot be used (null when they can).</summary>
internal sealed record ChunkLines(byte[] Bytes, string ETag, string? Problem);
