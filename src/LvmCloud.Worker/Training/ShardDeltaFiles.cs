using LvmCloud.Core.Storage;
using LvmCloud.Platform.Queues;
using LvmCloud.Vision.Training;
using LvmCloud.Vision.Transformer;
using static TorchSharp.torch;

namespace LvmCloud.Worker.Training;

/// <summary>
/// A shard job's compressed outer gradient, <c>rounds/{r}/shards/{k}/delta.{int8|int4}.safetensors</c>: the shard
/// writes δ_k = θ_base − θ_k (float64, quantized by <see cref="OuterGradientCodec"/>) before its <c>result.json</c>,
/// which names it; the merge reads it instead of the shard's weights. The shard's checkpoint is still written (its
/// AdamW state is the next round's start, and a redelivered job resumes from it).
/// </summary>
public sealed class ShardDeltaFiles(TransformerSource transformers, string runId, int round, int shard)
{
    private readonly IFileStore _folder = transformers.ShardFolder(runId, round, shard);

    /// <summary>The names a result may give its delta file (nothing else is read).</summary>
    private static readonly string[] KnownNames = [.. Enum.GetValues<OuterGradientPrecision>().Select(OuterGradientCodec.FileName)];

    /// <summary>
    /// Writes the outer gradient of <paramref name="trained"/> against the round's base and returns the file's name and
    /// size. <paramref name="baseWeights"/> is the base as the job loaded it (<see cref="OuterGradient.Snapshot"/>); null
    /// for a job that resumed from a checkpoint, which loads the base again.
    /// </summary>
    public async Task<(string Name, long Bytes)> WriteAsync(RunDefinition run, IReadOnlyDictionary<string, Tensor>? baseWeights, LlamaForCausalLM trained,
        OuterGradientPrecision precision, CancellationToken cancellationToken)
    {
        LlamaForCausalLM? loaded = null;
        try
        {
            if (baseWeights is null)
            {
                // The loaded base is read in place (no snapshot of it): one float32 copy, as the job that kept it holds.
                (loaded, _) = await transformers.LoadBaseAsync(run, round, CPU, cancellationToken);
                baseWeights = OuterStep.Parameters(loaded).ToDictionary(p => p.Name, p => (Tensor)p.Parameter, StringComparer.Ordinal);
            }
            var name = OuterGradientCodec.FileName(precision);
            using var folder = StoreFolders.Temporary("lvm-delta-");
            var local = Path.Combine(folder.Path, name);
            try
            {
                OuterGradient.Save(local, baseWeights, trained, precision);
            }
            catch (ArgumentException e)
            {
                // NaN weights or a base of another shape: training this shard again gives the same.
                throw new PermanentJobException($"Run {runId}: the outer gradient of shard {shard} of round {round} cannot be written: {e.Message}", e);
            }
            await _folder.UploadFileAsync(name, local, cancellationToken);
            return (name, new FileInfo(local).Length);
        }
        finally
        {
            loaded?.Dispose();
        }
    }

    /// <summary>The decoded outer gradient a result names (float64 on the CPU; the caller disposes it) and the bytes read.</summary>
    public async Task<(Dictionary<string, Tensor> Delta, long Bytes)> ReadAsync(string name, CancellationToken cancellationToken)
    {
        if (!KnownNames.Contains(name, StringComparer.Ordinal))
            throw new PermanentJobException($"Run {runId}: the result of shard {shard} of round {round} names delta file '{name}'; a delta is one of {string.Join(", ", KnownNames)}.");
        using var folder = StoreFolders.Temporary("lvm-delta-");
        var local = Path.Combine(folder.Path, name);
        try
        {
            await _folder.DownloadFileAsync(name, local, cancellationToken);
            return (OuterGradientCodec.Load(local), new FileInfo(local).Length);
        }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException)
        {
            throw new PermanentJobException($"Run {runId}: the outer gradient of shard {shard} of round {round} ({_folder.Describe(name)}) cannot be read: {e.Message}", e);
        }
    }
}
