namespace LvmCloud.Cli.Commands.Platform;

// The training and models API's JSON as the CLI reads it (camelCase). The server side is LvmCloud.Platform's
// TrainingRunStatus, TrainingUploadGrant and ModelList; the CLI keeps its own copy of the wire contract.

/// <summary>Answer to <c>GET /api/training/{runId}</c> (and to start, cancel and resume).</summary>
public sealed record TrainingRunView(
    string RunId,
    string State,
    bool CancelRequested,
    string? Reason,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt,
    int Round,
    int Rounds,
    int ShardsPerRound,
    int InnerSteps,
    int CheckpointEvery,
    string Base,
    string Model,
    double Progress,
    long StepsDone,
    long StepsTotal,
    IReadOnlyList<ShardProgressView> Shards,
    IReadOnlyList<RoundSummaryView> History)
{
    public bool IsTerminal => State is "finished" or "failed" or "cancelled";
}

public sealed record ShardProgressView(
    int Round,
    int Shard,
    string State,
    int FromStep,
    int ToStep,
    int Step,
    int CheckpointStep,
    double? Loss,
    int Deliveries,
    int? ResumedFrom,
    int StepsRedone,
    string? Error,
    DateTimeOffset? HeartbeatAt);

public sealed record RoundSummaryView(
    int Round,
    string State,
    int ShardsSucceeded,
    int ShardsFailed,
    int ShardsCancelled,
    double? TrainLoss,
    double? EvalLoss,
    long Tokens,
    DateTimeOffset StartedAt,
    DateTimeOffset? MergedAt,
    RoundTimingsView Seconds,
    long? ShardBytesRead = null);

public sealed record RoundTimingsView(double? Wall, double Inner, double Transfers, double Merge, double Eval, double QueueWait, double Jobs, double? Overhead);

/// <summary>Answer to <c>POST /api/training/uploads</c>: a run id and one write-only SAS URL per announced file (and run.json).</summary>
public sealed record TrainingUploadGrantView(string RunId, DateTimeOffset ExpiresOn, IReadOnlyDictionary<string, Uri> Uploads);

/// <summary>One line of <c>GET /api/training</c>: a run's state, the model it registers and its rounds done of total.</summary>
public sealed record TrainingRunSummaryView(
    string RunId,
    string State,
    bool CancelRequested,
    string OutputName,
    string OutputVersion,
    int RoundsDone,
    int Rounds,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt,
    string? Reason);

/// <summary>A page of <c>GET /api/training</c>, newest first.</summary>
public sealed record TrainingRunListView(IReadOnlyList<TrainingRunSummaryView> Runs, string? ContinuationToken);

/// <summary>Answer to <c>GET /api/models</c>; <paramref name="DefaultModel"/> when the platform names the model a batch without <c>--model</c> runs on.</summary>
public sealed record ModelListView(IReadOnlyList<ModelView> Models, DefaultModelView? DefaultModel = null);

/// <summary>The default model: a batch without <c>--model</c> runs on it. <paramref name="Source"/> says where it comes from ("bundled": the model shipped with the worker and the CLI).</summary>
public sealed record DefaultModelView(string Name, string Version, string? Source = null);

public sealed record ModelView(string Name, string Version, DateTimeOffset RegisteredAt, IReadOnlyDictionary<string, Uri> Files, ModelTrainingView? Training);

public sealed record ModelTrainingView(string RunId, string Base, int Rounds, int ShardsPerRound, int InnerSteps, long Tokens, double? TrainLoss, double? EvalLoss,
    DateTimeOffset StartedAt, DateTimeOffset FinishedAt);
