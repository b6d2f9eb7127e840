namespace LvmCloud.Platform.Models;

/// <summary>
/// One version of a model in the <c>models</c> container: registered once its <c>lvm.json</c> exists (a training run
/// writes it last). <see cref="Files"/> are the files beside it (model card, figures, <c>training.json</c>).
/// </summary>
public sealed record RegisteredModel(string Name, string Version, DateTimeOffset RegisteredAt, IReadOnlyList<string> Files, ModelTrainingRecord? Training);

/// <summary>
/// Answer to <c>GET /api/models</c>; each figure and the card are linked to <c>GET /api/models/{name}/{version}/{file}</c>.
/// <paramref name="DefaultModel"/> is the model a batch without a model runs on.
/// </summary>
public sealed record ModelList(IReadOnlyList<ModelListEntry> Models, DefaultModel? DefaultModel = null);

public sealed record ModelListEntry(string Name, string Version, DateTimeOffset RegisteredAt, IReadOnlyDictionary<string, Uri> Files, ModelTrainingRecord? Training);
