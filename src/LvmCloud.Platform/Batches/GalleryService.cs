using LvmCloud.Core.Reports;
using LvmCloud.Platform.Configuration;
using LvmCloud.Platform.Intake;
using LvmCloud.Platform.State;
using LvmCloud.Platform.Storage;
using Microsoft.Extensions.Options;

namespace LvmCloud.Platform.Batches;

/// <summary>
/// The batch gallery, rendered by Core's <see cref="GalleryWriter"/> (the page <c>lvm complete</c> writes): per item
/// its prompt images, its completions and targets. Images are linked with short-lived read SAS URLs (a browser cannot
/// send the API's function key on an &lt;img&gt;). Reads every item row once and signs each image link locally.
/// </summary>
public sealed class GalleryService(StorageClients clients, JobStateStore state, BatchQueryService query, SasIssuer sas, IOptions<IntakeOptions> options, TimeProvider time)
{
    private const string InputsPrefix = StorageLayout.InputsFolder + "/";

    public async Task<string> RenderAsync(string batchId, CancellationToken cancellationToken)
    {
        var batch = await query.RequireBatchAsync(batchId, cancellationToken);
        var items = await state.GetItemsAsync(batchId, cancellationToken);
        var entries = items.Select(Entry).ToList();

        var expiresOn = time.GetUtcNow() + options.Value.ReadSasLifetime;
        var urls = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in entries.SelectMany(e => e.PromptLinks.Concat(e.TargetLinks).Concat(e.Result.Outputs).Concat(e.Result.ContactSheet is { } s ? [s] : [])).Distinct())
        {
            var store = path.StartsWith(InputsPrefix, StringComparison.Ordinal) ? clients.BatchFiles : clients.ResultFiles;
            urls[path] = (await sas.CreateAsync(store, $"{batchId}/{path}", SasAccess.Read, expiresOn, cancellationToken)).AbsoluteUri;
        }
        return GalleryWriter.Write($"Batch {batchId}", entries, path => urls.GetValueOrDefault(path), batch.State);
    }

    /// <summary>An item's record with its prompt and target images as <c>inputs/...</c> paths of the batch.</summary>
    private static GalleryEntry Entry(ItemEntity item)
    {
        var record = ResultLine.From(item);
        var parsed = ItemJson.TryRead(item.ItemJson);
        var prompts = (parsed?.Input ?? item.Inputs).Select(p => InputsPrefix + p).ToList();
        var targets = (parsed?.Target ?? []).Select(p => InputsPrefix + p).ToList();
        return new GalleryEntry(record, prompts, targets);
    }
}
