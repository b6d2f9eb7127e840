namespace LvmCloud.Platform.Models;

/// <summary>
/// <c>models/{name}/{version}/training.json</c>, beside the model card of a model a training run registered: how it
/// was trained and what it measured, for <c>GET /api/models</c> and for people comparing versions.
/// </summary>
public sealed record ModelTrainingRecord(
    string RunId,
    string Base,
    int Rounds,
    int ShardsPerRound,
    int InnerSteps,
    long Tokens,
    double? TrainLoss,
    double? EvalLoss,
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    IReadOnlyList<ModelTrainingRound> History);

/// <summary>One round of <see cref="ModelTrainingRecord.History"/>.</summary>
public sealed record ModelTrainingRound(int Round, double? TrainLoss, double? EvalLoss, long Tokens, double Seconds);
