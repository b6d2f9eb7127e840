using LvmCloud.Platform.Queues;

namespace LvmCloud.Platform.Training;

/// <summary>
/// <c>training/{runId}/run.json</c>: what a DiLoCo run trains, on what, for how long, and what it registers. Round r
/// runs <see cref="ShardsPerRound"/> (K) <c>train-shard</c> jobs, each <see cref="InnerSteps"/> (H) inner optimizer steps
/// from the round's base weights on its own part of the data; their averaged change is applied by the outer optimizer
/// to give round r+1's base. The inner schedule spans the run's <c>Rounds × InnerSteps</c> steps, so K = 1 with an
/// outer learning rate of 1 and no momentum is ordinary checkpointed training (<c>lvm train</c> for as many steps).
/// Unknown fields are an error (<see cref="TrainingRunSpecJson"/>), so a misspelt setting is never silently ignored.
/// </summary>
/// <param name="RunId">Optional: the run's id (the folder name when the file is uploaded; generated for a POST without it).</param>
/// <param name="Base">The model to start from: a registered model, or a preset trained from scratch with a registered tokenizer.</param>
/// <param name="Data">Token shards to train on and to evaluate the merged weights on.</param>
/// <param name="Rounds">Outer steps (R).</param>
/// <param name="ShardsPerRound">Shard jobs per round (K), each on its own part of the data; DiLoCo's workers.</param>
/// <param name="InnerSteps">Inner optimizer steps per shard job (H): the communication interval.</param>
/// <param name="CheckpointEvery">Inner steps between a shard job's checkpoints: a killed job loses at most this many steps (default: the smaller of H and 100).</param>
/// <param name="Seed">Seeds the initial weights (from scratch) and every shard's data order.</param>
/// <param name="Inner">The inner AdamW and its schedule.</param>
/// <param name="Outer">The outer optimizer: Nesterov momentum on the averaged delta.</param>
/// <param name="Output">The model the finished run registers as <c>models/{name}/{version}/</c>.</param>
/// <param name="EvalBatches">Micro-batches of the eval shards measured after each merge.</param>
public sealed record TrainingRunSpec(
    string? RunId = null,
    RunBaseSpec? Base = null,
    RunDataSpec? Data = null,
    int Rounds = 0,
    int ShardsPerRound = 0,
    int InnerSteps = 0,
    int? CheckpointEvery = null,
    int Seed = 0,
    InnerOptimizerSpec? Inner = null,
    OuterOptimizerSpec? Outer = null,
    ModelReference? Output = null,
    int EvalBatches = 8)
{
    public InnerOptimizerSpec InnerOrDefault => Inner ?? new InnerOptimizerSpec();
    public OuterOptimizerSpec OuterOrDefault => Outer ?? new OuterOptimizerSpec();

    /// <summary>The checkpoint interval in force: the given one, else the smaller of H and 100.</summary>
    public int CheckpointInterval => CheckpointEvery ?? Math.Max(1, Math.Min(InnerSteps, 100));

    /// <summary>Inner steps of the whole run: the length of the inner schedule (R × H).</summary>
    public long TotalInnerSteps => (long)Rounds * InnerSteps;

    /// <summary>Every problem with the spec as written (storage is not looked at: see <see cref="TrainingRunService"/>).</summary>
    /// <param name="runId">The run it is for (the folder it was uploaded to, or the id a POST chose).</param>
    public IEnumerable<string> Validate(string runId)
    {
        if (RunId is not null && RunId != runId)
            yield return $"runId '{RunId}' differs from the run's folder '{runId}'";
        if (Base is null)
            yield return "base is missing: give {\"model\": {\"name\", \"version\"}} or {\"preset\", \"tokenizer\": {\"name\", \"version\"}}";
        else
            foreach (var problem in Base.Validate())
                yield return problem;
        if (Data is null)
            yield return "data is missing: give {\"train\": [token shard paths], \"eval\": [...]}";
        else
            foreach (var problem in Data.Validate(runId))
                yield return problem;

        if (Rounds is < 1 or > TrainingLimits.MaxRounds)
            yield return $"rounds must be between 1 and {TrainingLimits.MaxRounds}, got {Rounds}";
        if (ShardsPerRound is < 1 or > TrainingLimits.MaxShardsPerRound)
            yield return $"shardsPerRound must be between 1 and {TrainingLimits.MaxShardsPerRound}, got {ShardsPerRound}";
        if (InnerSteps is < 1 or > TrainingLimits.MaxInnerSteps)
            yield return $"innerSteps must be between 1 and {TrainingLimits.MaxInnerSteps}, got {InnerSteps}";
        if (TotalInnerSteps > TrainingLimits.MaxTotalInnerSteps)
            yield return $"rounds x innerSteps is {TotalInnerSteps}, more than the {TrainingLimits.MaxTotalInnerSteps} steps one schedule may have";
        if (CheckpointEvery is { } every && (every < 1 || (InnerSteps >= 1 && every > InnerSteps)))
            yield return $"checkpointEvery must be between 1 and innerSteps ({InnerSteps}), got {every}";
        if (Seed < 0)
            yield return $"seed must not be negative, got {Seed}";
        if (EvalBatches is < 1 or > TrainingLimits.MaxEvalBatches)
            yield return $"evalBatches must be between 1 and {TrainingLimits.MaxEvalBatches}, got {EvalBatches}";
        foreach (var problem in InnerOrDefault.Validate(TotalInnerSteps))
            yield return problem;
        foreach (var problem in OuterOrDefault.Validate())
            yield return problem;

        if (Output is null)
            yield return "output is missing: the model to register, {\"name\", \"version\"}";
        else if (Output.Problem() is { } outputProblem)
            yield return $"output: {outputProblem}";
        else if (Base?.Model is { } baseModel && baseModel == Output)
            yield return $"output {Output} is the base model: register the trained model under a new name or version";
    }
}
