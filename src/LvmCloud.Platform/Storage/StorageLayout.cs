namespace LvmCloud.Platform.Storage;

/// <summary>Container names and blob paths of the platform (see docs/architecture.md, "Storage layout").</summary>
public static class StorageLayout
{
    public const string BatchesContainer = "batches";
    public const string ResultsContainer = "results";
    public const string ModelsContainer = "models";
    public const string DatasetsContainer = "datasets";
    public const string TokensContainer = "tokens";
    public const string TrainingContainer = "training";

    /// <summary>Table Storage table holding batch and item state.</summary>
    public const string JobStateTable = "jobstate";

    public const string ManifestFileName = "manifest.jsonl";
    public const string BatchDefaultsFileName = "batch.json";
    public const string InputsFolder = "inputs";

    /// <summary>The blob trigger's path pattern: uploading the manifest commits a batch.</summary>
    public const string ManifestTriggerPath = BatchesContainer + "/{batchId}/" + ManifestFileName;

    public static string ManifestPath(string batchId) => $"{batchId}/{ManifestFileName}";

    public static string BatchDefaultsPath(string batchId) => $"{batchId}/{BatchDefaultsFileName}";

    /// <summary>Prefix every upload of a batch lives under in the <c>batches</c> container.</summary>
    public static string BatchPrefix(string batchId) => $"{batchId}/";

    /// <summary>An input image named in the manifest, relative to <c>{batchId}/inputs/</c>.</summary>
    public static string InputPath(string batchId, string relativePath) => $"{batchId}/{InputsFolder}/{relativePath}";

    public static string ItemFolder(string batchId, string itemId) => $"{batchId}/items/{itemId}/";

    public static string OutputPath(string batchId, string itemId, string fileName) => $"{batchId}/items/{itemId}/{fileName}";

    public static string ItemResultPath(string batchId, string itemId) => OutputPath(batchId, itemId, "result.json");

    public static string ResultsManifestPath(string batchId) => $"{batchId}/results.jsonl";

    public static string StatusPath(string batchId) => $"{batchId}/status.json";

    /// <summary>A dataset's list of visual sentences; uploading it is what the dataset trigger fires on.</summary>
    public const string SentencesFileName = "sentences.jsonl";

    /// <summary>The dataset trigger's path pattern: uploading <c>sentences.jsonl</c> (last, after the images) plans a retokenization.</summary>
    public const string SentencesTriggerPath = DatasetsContainer + "/{dataset}/" + SentencesFileName;

    /// <summary>Prefix of a dataset's files in the <c>datasets</c> container.</summary>
    public static string DatasetPrefix(string dataset) => $"{dataset}/";

    public static string SentencesPath(string dataset) => $"{dataset}/{SentencesFileName}";

    /// <summary>Prefix of one tokenizer's shards of a dataset in the <c>tokens</c> container.</summary>
    public static string TokensPrefix(string dataset, string tokenizerId) => $"{dataset}/{tokenizerId}/";

    /// <summary>The dataset index (relative to <see cref="TokensPrefix"/>): every shard, written once per run by whoever closes it.</summary>
    public const string DatasetIndexFileName = "index.json";

    /// <summary>A shard's index entry (relative to <see cref="TokensPrefix"/>), written by its chunk's job after the shard.</summary>
    public static string ShardIndexEntryName(string shardStem) => $"{shardStem}.index.json";
}
