using LvmCloud.Platform.Batches;
using LvmCloud.Platform.Configuration;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Requests;

namespace LvmCloud.Platform.Datasets;

/// <summary>
/// Body of <c>POST /api/datasets/{dataset}/tokenize</c>: <see cref="Force"/> redoes every chunk, <see cref="Tokenizer"/>
/// (<c>name/version</c>) picks a tokenizer other than the default.
/// </summary>
public sealed record TokenizeRequest(bool Force = false, string? Tokenizer = null)
{
    public static TokenizeRequest Default { get; } = new();

    /// <summary>The tokenizer asked for, or the configured default.</summary>
    /// <exception cref="BadRequestException">It is not <c>name/version</c> with valid segments.</exception>
    public ModelReference TokenizerReference(TokenizeOptions options)
    {
        if (string.IsNullOrWhiteSpace(Tokenizer))
            return new ModelReference(options.DefaultTokenizerName, options.DefaultTokenizerVersion);
        var parts = Tokenizer.Split('/');
        var reference = parts.Length == 2 ? new ModelReference(parts[0], parts[1]) : null;
        if (reference is null || reference.Problem() is not null)
            throw new BadRequestException($"tokenizer '{Tokenizer}' is not name/version (each 1-64 characters of A-Z a-z 0-9 . _ -), e.g. fmnist-lvm/latest.");
        return reference;
    }
}
