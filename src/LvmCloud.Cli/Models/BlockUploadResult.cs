namespace LvmCloud.Cli.Models;

/// <summary>How one file reached its blob.</summary>
/// <param name="Blocks">Blocks the file is cut into.</param>
/// <param name="BlocksSent">Blocks staged by this run.</param>
/// <param name="BlocksReused">Blocks an earlier, interrupted run had staged already (not sent again).</param>
/// <param name="BytesSent">Bytes of the blocks staged by this run.</param>
/// <param name="AlreadyCommitted">The blob was already there with the same length and SHA-256: nothing was sent.</param>
public sealed record BlockUploadResult(int Blocks, int BlocksSent, int BlocksReused, long BytesSent, bool AlreadyCommitted);
