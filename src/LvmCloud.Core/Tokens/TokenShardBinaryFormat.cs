namespace LvmCloud.Core.Tokens;

/// <summary>
/// The binary twin of a JSONL token shard (<c>.bin</c>), laid out so a trainer can
/// read it in one go (or memory-map it) and slice sequences without parsing.
/// All integers are little-endian.
/// <code>
/// offset  size        field
/// 0       8           magic, ASCII "LVMTOKS1"
/// 8       4           u32 version (1)
/// 12      4           u32 bytes per token (4: int32)
/// 16      8           u64 sequence count N
/// 24      8           u64 total token count T
/// 32      8 * (N + 1) i64 offsets, in tokens: offsets[0] = 0, non-decreasing, offsets[N] = T;
///                     sequence i is tokens[offsets[i] .. offsets[i + 1])
/// 40 + 8N 4 * T       i32 tokens, all sequences back to back
/// </code>
/// The file is exactly <c>40 + 8N + 4T</c> bytes; the token payload starts 8-byte
/// aligned. Readers check every one of these facts.
/// </summary>
public static class TokenShardBinaryFormat
{
    public const int Version = 1;
    public const int BytesPerToken = 4;
    public const int HeaderLength = 32;

    public static ReadOnlySpan<byte> Magic => "LVMTOKS1"u8;

    /// <summary>Total file length for <paramref name="sequences"/> sequences holding <paramref name="tokens"/> tokens.</summary>
    public static long FileLength(long sequences, long tokens) =>
        HeaderLength + (8 * (sequences + 1)) + (BytesPerToken * tokens);
}
