using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using LvmCloud.Core.Storage;
using LvmCloud.Core.Tokens;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Storage;
using LvmCloud.Platform.Training;
using LvmCloud.Vision.Training;
using LvmCloud.Worker.Jobs;
using Microsoft.Extensions.Options;

namespace LvmCloud.Worker.Training;

/// <summary>
/// A run's token shards as training sequences. Each file of the plan is downloaded once per version into
/// <see cref="TrainingWorkerOptions.DataCacheDirectory"/> (to a temporary name, then moved), only if it still has the
/// version the plan pinned: data that changed under a run is an error, not a silent change of what it trains on.
/// </summary>
public sealed class TrainingData(StorageClients clients, IOptions<TrainingWorkerOptions> options)
{
    /// <summary>Shard <paramref name="shard"/>'s own sequences (<see cref="TrainingPlan.DataFor"/>), and the seconds spent downloading.</summary>
    public async Task<(TokenSequences Sequences, double DownloadSeconds)> LoadShardAsync(TrainingPlan plan, int shard, int shards, int vocabSize, CancellationToken cancellationToken)
    {
        var data = plan.DataFor(shard, shards);
        var (rows, seconds) = await ReadRowsAsync(data.Files, vocabSize, cancellationToken);
        var own = rows.Where((_, i) => i >= data.RowOffset && (i - data.RowOffset) % data.RowStride == 0).ToList();
        if (own.Count == 0)
            throw new PermanentJobException($"Shard {shard} of {shards} gets no sequences: the data has {rows.Count} rows; use fewer shards per round or more data.");
        return (Sequences(own, $"shard {shard}"), seconds);
    }

    /// <summary>The run's eval sequences, or null when it has no eval shards.</summary>
    public async Task<(TokenSequences? Sequences, double DownloadSeconds)> LoadEvalAsync(TrainingPlan plan, int vocabSize, CancellationToken cancellationToken)
    {
        if (plan.Eval.Count == 0)
            return (null, 0);
        var (rows, seconds) = await ReadRowsAsync(plan.Eval, vocabSize, cancellationToken);
        return (rows.Count == 0 ? null : Sequences(rows, "eval"), seconds);
    }

    private static TokenSequences Sequences(List<int[]> rows, string what)
    {
        try
        {
            return new TokenSequences(rows);
        }
        catch (ArgumentException e)
        {
            throw new PermanentJobException($"The {what} data cannot be trained on: {e.Message}", e);
        }
    }

    private async Task<(List<int[]> Rows, double Seconds)> ReadRowsAsync(IReadOnlyList<DataFile> files, int vocabSize, CancellationToken cancellationToken)
    {
        var rows = new List<int[]>();
        var downloading = TimeSpan.Zero;
        foreach (var file in files)
        {
            var local = await LocalCopyAsync(file, cancellationToken);
            downloading += local.Downloaded;
            TokenShard shard;
            try
            {
                // Named as the user knows it (container/path), never by the worker's cache file.
                shard = TokenShardReader.Read(await File.ReadAllBytesAsync(local.Path, cancellationToken), file.Path);
                shard.EnsureTokensBelow(vocabSize);
            }
            catch (Exception e) when (e is TokenShardFormatException or InvalidDataException)
            {
                // A rejected file stays in the cache no longer than the job that read it.
                File.Delete(local.Path);
                var detail = e is TokenShardFormatException format ? format.Detail : e.Message;
                throw new PermanentJobException($"Token shard {file} cannot be used: {JobFailures.Clause(detail)}", e);
            }
            foreach (var row in shard)
                rows.Add(row.ToArray());
        }
        return (rows, downloading.TotalSeconds);
    }

    private async Task<(string Path, TimeSpan Downloaded)> LocalCopyAsync(DataFile file, CancellationToken cancellationToken)
    {
        var name = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{file.Container}/{file.Path}@{file.Version}")))[..32].ToLowerInvariant();
        var path = Path.Combine(options.Value.DataCacheDirectory, name + Path.GetExtension(file.Path));
        if (File.Exists(path))
            return (path, TimeSpan.Zero);
        Directory.CreateDirectory(options.Value.DataCacheDirectory);
        var clock = Stopwatch.StartNew();
        try
        {
            // Written beside the target and moved into place, pinned to the version the plan names.
            await clients.FilesIn(file.Container).DownloadFileAsync(file.Path, path, file.Version, cancellationToken);
        }
        catch (Exception e) when (e is FileNotFoundException or FileVersionChangedException)
        {
            throw new PermanentJobException($"Token shard {file} {(e is FileNotFoundException ? "was deleted" : "changed")} after the run started (the run's plan pinned version {file.Version}).", e);
        }
        return (path, clock.Elapsed);
    }
}
