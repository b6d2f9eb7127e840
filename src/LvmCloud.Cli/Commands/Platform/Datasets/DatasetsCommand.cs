namespace LvmCloud.Cli.Commands.Platform.Datasets;

/// <summary><c>lvm datasets upload|status|tokenize|fetch-tokens</c>: datasets in the platform and their token shards.</summary>
public sealed class DatasetsCommand() : LvmCommandGroup("datasets",
    "Datasets on the platform: upload images and sentences, see their token shards, retokenize, download shards for training.",
    [new DatasetsUploadCommand(), new DatasetsStatusCommand(), new DatasetsTokenizeCommand(), new DatasetsFetchTokensCommand()]);
