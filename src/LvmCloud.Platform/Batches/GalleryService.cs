using Azure.Storage.Sas;
using LvmCloud.Platform.Configuration;
using LvmCloud.Platform.Security;
using LvmCloud.Platform.State;
using LvmCloud.Platform.Storage;
using Microsoft.Extensions.Options;

namespace LvmCloud.Platform.Batches;

/// <summary>
/// The batch gallery: per item its prompt images and its completions. Images are linked with short-lived
/// read SAS URLs (a browser cannot send the API's function key on an &lt;img&gt;).
/// </summary>
public sealed class GalleryService(StorageClients clients, JobStateStore state, BatchQueryService query, SasIssuer sas, IOptions<IntakeOptions> options)
{
    public async Task<string> RenderAsync(string batchId, CancellationToken cancellationToken)
    {
        var batch = await query.RequireBatchAsync(batchId, cancellationToken);
        var items = await state.GetItemsAsync(batchId, cancellationToken);
        var lifetime = options.Value.ReadSasLifetime;
        var rows = new List<GalleryItem>(items.Count);
        foreach (var item in items)
        {
            var prompts = new List<Uri>();
            foreach (var input in item.Inputs)
                prompts.Add(await sas.CreateAsync(clients.Batches.GetBlobClient(StorageLayout.InputPath(batchId, input)), BlobSasPermissions.Read, lifetime, cancellationToken));
            var outputs = new List<Uri>();
            if (item.State == ItemStates.Succeeded)
                foreach (var file in item.Outputs.Where(f => f.EndsWith(".png", StringComparison.Ordinal)))
                    outputs.Add(await sas.CreateAsync(clients.Results.GetBlobClient(StorageLayout.OutputPath(batchId, item.ItemId, file)), BlobSasPermissions.Read, lifetime, cancellationToken));
            rows.Add(new GalleryItem(item.ItemId, item.State, item.Error, prompts, outputs));
        }
        return GalleryHtml.Render(BatchStatus.From(batch, items, null), rows);
    }
}

/// <summary>One gallery row: the item, its prompt images and its completions.</summary>
public sealed record GalleryItem(string Id, string State, string? Error, IReadOnlyList<Uri> Prompts, IReadOnlyList<Uri> Completions);
