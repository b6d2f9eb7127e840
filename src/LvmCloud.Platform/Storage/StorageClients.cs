using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using LvmCloud.Platform.Configuration;
using LvmCloud.Platform.Queues;

namespace LvmCloud.Platform.Storage;

/// <summary>The storage clients every platform service shares, built once from <see cref="StorageOptions"/>.</summary>
public sealed class StorageClients
{
    /// <param name="options">Where storage is.</param>
    /// <param name="credential">Managed identity (or another credential) when there is no connection string.</param>
    /// <param name="configureClients">
    /// Adjusts the blob, queue and table client options (retries, diagnostics, extra pipeline policies) before
    /// the clients are built.
    /// </param>
    public StorageClients(StorageOptions options, TokenCredential? credential = null, Action<ClientOptions>? configureClients = null)
    {
        var blobOptions = new BlobClientOptions();
        var queueOptions = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None };
        var tableOptions = new TableClientOptions();
        foreach (ClientOptions clientOptions in new ClientOptions[] { blobOptions, queueOptions, tableOptions })
        {
            clientOptions.Retry.Mode = RetryMode.Exponential;
            clientOptions.Retry.MaxRetries = options.MaxRetries;
            clientOptions.Retry.Delay = options.RetryDelay;
            clientOptions.Retry.MaxDelay = options.RetryMaxDelay;
        }
        configureClients?.Invoke(blobOptions);
        configureClients?.Invoke(queueOptions);
        configureClients?.Invoke(tableOptions);

        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            Blobs = new BlobServiceClient(options.ConnectionString, blobOptions);
            Queues = new QueueServiceClient(options.ConnectionString, queueOptions);
            Tables = new TableServiceClient(options.ConnectionString, tableOptions);
        }
        else
        {
            credential ??= new DefaultAzureCredential();
            Blobs = new BlobServiceClient(options.BlobServiceUri ?? throw Missing(nameof(options.BlobServiceUri)), credential, blobOptions);
            Queues = new QueueServiceClient(options.QueueServiceUri ?? throw Missing(nameof(options.QueueServiceUri)), credential, queueOptions);
            Tables = new TableServiceClient(options.TableServiceUri ?? throw Missing(nameof(options.TableServiceUri)), credential, tableOptions);
        }

        QueueNames = new QueueNames(options.QueuePrefix);
    }

    public BlobServiceClient Blobs { get; }
    public QueueServiceClient Queues { get; }
    public TableServiceClient Tables { get; }
    public QueueNames QueueNames { get; }

    public BlobContainerClient Batches => Blobs.GetBlobContainerClient(StorageLayout.BatchesContainer);
    public BlobContainerClient Results => Blobs.GetBlobContainerClient(StorageLayout.ResultsContainer);
    public BlobContainerClient Datasets => Blobs.GetBlobContainerClient(StorageLayout.DatasetsContainer);
    public BlobContainerClient Tokens => Blobs.GetBlobContainerClient(StorageLayout.TokensContainer);
    public BlobContainerClient Models => Blobs.GetBlobContainerClient(StorageLayout.ModelsContainer);
    public BlobContainerClient Training => Blobs.GetBlobContainerClient(StorageLayout.TrainingContainer);
    public TableClient JobState => Tables.GetTableClient(StorageLayout.JobStateTable);

    /// <summary>The batches container as a store (manifests and input images under <c>{batchId}/</c>).</summary>
    public BlobStore BatchFiles => new(Batches);

    /// <summary>The results container as a store (outputs, results.jsonl and status.json under <c>{batchId}/</c>).</summary>
    public BlobStore ResultFiles => new(Results);

    /// <summary>The datasets container as a store (images and sentences.txt under <c>{dataset}/</c>).</summary>
    public BlobStore DatasetFiles => new(Datasets);

    /// <summary>The tokens container as a store (shards and the index under <c>{dataset}/{tokenizer}/</c>).</summary>
    public BlobStore TokenFiles => new(Tokens);

    /// <summary>The models container as a store (<c>{name}/{version}/</c> with lvm.json, tokenizer/ and transformer/).</summary>
    public BlobStore ModelFiles => new(Models);

    /// <summary>The training container as a store (run specs, plans, rounds and checkpoints under <c>{runId}/</c>).</summary>
    public BlobStore TrainingFiles => new(Training);

    /// <summary>Any container by name, as a store (a training run's data may name one).</summary>
    public BlobStore FilesIn(string container) => new(Blobs.GetBlobContainerClient(container));

    public QueueClient Queue(string name) => Queues.GetQueueClient(name);

    /// <summary>Creates the containers, the state table and the queues if they are missing (idempotent).</summary>
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        foreach (var container in new[] { StorageLayout.BatchesContainer, StorageLayout.ResultsContainer, StorageLayout.ModelsContainer, StorageLayout.DatasetsContainer, StorageLayout.TokensContainer, StorageLayout.TrainingContainer })
            await Blobs.GetBlobContainerClient(container).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await Tables.CreateTableIfNotExistsAsync(StorageLayout.JobStateTable, cancellationToken);
        foreach (var queue in QueueNames.All())
            await Queue(queue).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
    }

    private static InvalidOperationException Missing(string what) => new($"Storage option {what} is required when no connection string is set.");
}
