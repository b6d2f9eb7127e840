namespace LvmCloud.Cli.Commands.Platform.Datasets;

/// <summary><c>lvm datasets upload|status|tokenize|fetch-tokens|list</c>: datasets in the platform and their token shards.</summary>
public sealed class DatasetsCommand(
    DatasetsUploadCommand upload, DatasetsStatusCommand status, DatasetsTokenizeCommand tokenize, DatasetsFetchTokensCommand fetchTokens, DatasetsListCommand list)
    : LvmCommandGroup("datasets",
        "Datasets on the platform: upload images and sentences, see their token shards, retokenize, download shards for training, list them.",
        [upload, status, tokenize, fetchTokens, list]);
