using System.Security.Cryptography;
using System.Text;
using LvmCloud.Core.Storage;
using LvmCloud.Platform.Queues;

namespace LvmCloud.Platform.Datasets;

/// <summary>
/// Names a tokenizer by what it is, not only by what it is called: <c>{name}-{version}-{hash}</c>, the hash being
/// the first 12 hex digits of SHA-256 over the files of its <c>tokenizer/</c> folder (config and weights, in ordinal
/// path order, each as path, length and bytes). Shards go to <c>tokens/{dataset}/{tokenizerId}/</c>, so a tokenizer
/// whose files changed, even under the same name and version, can never write into the folder of the old one.
/// Planning (over the <c>models</c> container or a local folder) and the worker (over its local copy) compute it
/// with this same code.
/// </summary>
public static class TokenizerIds
{
    /// <summary>Hex digits of the hash kept in the id: 48 bits, so two different tokenizers of one name and version never meet.</summary>
    public const int HashDigits = 12;

    public static string Format(ModelReference tokenizer, string hash) => $"{tokenizer.Name}-{tokenizer.Version}-{hash}";

    /// <summary>The hash part of the id of the tokenizer whose files are in <paramref name="tokenizerFolder"/>.</summary>
    /// <exception cref="FileNotFoundException">The folder holds no files.</exception>
    public static async Task<string> HashAsync(IFileStore tokenizerFolder, CancellationToken cancellationToken)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var files = 0;
        var buffer = new byte[1 << 16];
        await foreach (var file in tokenizerFolder.ListAsync("", cancellationToken))
        {
            sha.AppendData(Encoding.UTF8.GetBytes($"{file.Path}\n{file.Length}\n"));
            await using var stream = await tokenizerFolder.OpenReadAsync(file.Path, cancellationToken);
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
                sha.AppendData(buffer, 0, read);
            files++;
        }
        if (files == 0)
            throw new FileNotFoundException($"The tokenizer folder '{tokenizerFolder.Describe("config.json")}' holds no files.");
        return Convert.ToHexString(sha.GetHashAndReset())[..HashDigits].ToLowerInvariant();
    }
}
