using System.Diagnostics;
using System.Security.Cryptography;
using Azure;
using LvmCloud.Core.Paths;
using LvmCloud.Core.Storage;
using LvmCloud.Vision.Pipelines;

namespace LvmCloud.Cli.Models;

/// <summary>
/// The way back from <see cref="ModelPusher"/>: copies every blob of a registered model (<c>{name}/{version}/...</c>:
/// <c>tokenizer/</c>, <c>transformer/</c>, <c>lvm.json</c>, a card or figures beside them) into a new local model folder,
/// keeping the relative paths. Each file streams to disk in parallel ranges (<see cref="RangedDownload"/>), is checked
/// against its SHA-256 metadata (written by a push) or else its Content-MD5, and its length. The files go into a staging
/// folder beside the destination (<see cref="StagingFolder"/>), which is renamed to it only when every file is there and
/// checked: a pull that fails or is interrupted leaves nothing in the destination, and running it again resumes with
/// what the staging folder lacks.
/// </summary>
public sealed class ModelPuller(ModelBlobReader model, RangedDownload download)
{
    /// <summary>How many times one file asks for fresh access after storage refused it (an expired SAS).</summary>
    public const int MaxRenewals = 2;

    /// <summary>The staging folder of a pull of <paramref name="name"/>/<paramref name="version"/> into <paramref name="folder"/>: a sibling named after both.</summary>
    public static string StagingFolder(string folder, string name, string version)
    {
        var full = Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar);
        return $"{full}.{name}@{version}.partial"; // '@' is never in a name or version: no clash with a model folder
    }

    /// <summary>Lists the model, then pulls it into <paramref name="folder"/>, which must not exist or be empty.</summary>
    /// <exception cref="IOException"><paramref name="folder"/> is a file or a folder with something in it.</exception>
    /// <exception cref="ModelNotRegisteredException">The model has no <c>lvm.json</c>.</exception>
    /// <exception cref="InvalidDataException">A listed path is unsafe, or a file does not match its length or checksum.</exception>
    public async Task<ModelPullResult> PullAsync(string name, string version, string folder, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        RequireEmptyOrAbsent(Path.GetFullPath(folder));
        return await PullAsync(name, version, folder, await ListAsync(name, version, cancellationToken), progress, cancellationToken);
    }

    /// <summary>Pulls <paramref name="files"/> (from <see cref="ListAsync"/>) into <paramref name="folder"/>, which must not exist or be empty.</summary>
    /// <param name="progress">Told the bytes of each range as it is written (the files' lengths add up to the total).</param>
    public async Task<ModelPullResult> PullAsync(string name, string version, string folder, IReadOnlyList<StoredFile> files, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var target = Path.GetFullPath(folder);
        RequireEmptyOrAbsent(target);
        var staging = StagingFolder(target, name, version);
        var clock = Stopwatch.StartNew();
        var fetched = new CountingProgress(progress);
        foreach (var file in files)
        {
            var local = LocalPath(staging, file.Path);
            if (File.Exists(local) && new FileInfo(local).Length == file.Length && !File.Exists(local + RangedDownload.PartSuffix))
                progress?.Report(file.Length); // finished by an earlier attempt (its SHA-256 checked then); checked again below
            else
            {
                Directory.CreateDirectory(Path.GetDirectoryName(local)!);
                await DownloadAsync(file, local, fetched, cancellationToken);
            }
            await CheckAsync(file, local, cancellationToken);
        }
        RemoveStrays(staging, files);

        RequireEmptyOrAbsent(target); // nothing appeared there meanwhile
        if (Directory.Exists(target))
            Directory.Delete(target);
        Directory.Move(staging, target);
        return new ModelPullResult($"{name}/{version}", target, files.Count, files.Sum(f => f.Length), fetched.Bytes, clock.Elapsed.TotalSeconds);
    }

    /// <summary>One file; storage refusing access (a SAS that expired mid-file) asks the source again and resumes with the ranges not yet written.</summary>
    private async Task DownloadAsync(StoredFile file, string local, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        for (int renewals = 0; ; renewals++)
        {
            await model.RenewAsync(force: renewals > 0, cancellationToken);
            try
            {
                await download.DownloadAsync(model, file, local, progress, cancellationToken);
                return;
            }
            catch (RequestFailedException e) when (e.Status == 403 && model.CanRenew && renewals < MaxRenewals)
            {
                // the ranges written so far are recorded beside the file; the next try fetches only the rest
            }
        }
    }

    /// <summary>The model's files (paths relative to its prefix), checked: registered (has <c>lvm.json</c>) and every path safe.</summary>
    /// <exception cref="ModelNotRegisteredException">The model has no <c>lvm.json</c>.</exception>
    /// <exception cref="InvalidDataException">A listed path is unsafe.</exception>
    public async Task<IReadOnlyList<StoredFile>> ListAsync(string name, string version, CancellationToken cancellationToken)
    {
        var files = new List<StoredFile>();
        await foreach (var file in model.ListAsync("", cancellationToken))
        {
            if (RelativePath.Check(file.Path) is { } problem)
                throw new InvalidDataException($"'{model.Describe(file.Path)}' has an unsafe path ({problem.Message}); model {name}/{version} is not pulled.");
            files.Add(file);
        }
        if (!files.Any(f => f.Path == LvmModelSettings.FileName))
            throw new ModelNotRegisteredException(
                $"Model {name}/{version} is not registered: there is no '{model.Describe(LvmModelSettings.FileName)}' " +
                $"({(files.Count == 0 ? "no file at all under that name and version" : $"{files.Count} files, but its push or training run has not finished")}). " +
                "lvm models list shows the registered models.");
        return files;
    }

    /// <summary>The file's length, and its Content-MD5 when storage keeps one and no SHA-256 was checked by the download.</summary>
    private async Task CheckAsync(StoredFile file, string local, CancellationToken cancellationToken)
    {
        long length = new FileInfo(local).Length;
        if (length != file.Length)
            Fail(local, $"'{model.Describe(file.Path)}' downloaded as {length} bytes, but storage lists {file.Length}");
        if (file.Metadata.ContainsKey(BlobChecksums.Sha256MetadataKey) || file.ContentMd5 is null)
            return;
        string actual;
        await using (var stream = new FileStream(local, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan | FileOptions.Asynchronous))
            actual = Convert.ToBase64String(await MD5.HashDataAsync(stream, cancellationToken));
        if (actual != file.ContentMd5)
            Fail(local, $"'{model.Describe(file.Path)}' downloaded with MD5 {actual}, but storage says {file.ContentMd5}");
    }

    private static void Fail(string local, string what)
    {
        File.Delete(local);
        throw new InvalidDataException($"{what}: the bytes were damaged on the way or the file was replaced; pull again.");
    }

    /// <summary>Files in the staging folder that the model does not list (left by an attempt at a model that changed since).</summary>
    private static void RemoveStrays(string staging, IReadOnlyList<StoredFile> files)
    {
        var wanted = files.Select(f => LocalPath(staging, f.Path)).ToHashSet(StringComparer.Ordinal);
        foreach (var stray in Directory.EnumerateFiles(staging, "*", SearchOption.AllDirectories).Where(f => !wanted.Contains(f)).ToList())
            File.Delete(stray);
    }

    private static string LocalPath(string root, string relative) => Path.Combine(root, relative.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>Refuses a destination that is a file or a folder with something in it.</summary>
    /// <exception cref="IOException">It is.</exception>
    public static void RequireEmptyOrAbsent(string folder)
    {
        if (File.Exists(folder))
            throw new IOException($"'{folder}' is a file: pull into a new folder (it is created).");
        if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
            throw new IOException($"'{folder}' is not empty: pull into a new or empty folder (nothing is overwritten).");
    }

    /// <summary>Passes each range's bytes on and adds them up (ranges finish on several threads).</summary>
    private sealed class CountingProgress(IProgress<long>? inner) : IProgress<long>
    {
        private long _bytes;

        public long Bytes => Interlocked.Read(ref _bytes);

        public void Report(long value)
        {
            Interlocked.Add(ref _bytes, value);
            inner?.Report(value);
        }
    }
}
