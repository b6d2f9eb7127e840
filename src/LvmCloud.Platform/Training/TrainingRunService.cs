using System.Text;
using System.Text.Json;
using LvmCloud.Core.Manifests;
using LvmCloud.Core.Paths;
using LvmCloud.Core.Storage;
using LvmCloud.Platform.Batches;
using LvmCloud.Platform.Configuration;
using LvmCloud.Platform.Models;
using LvmCloud.Platform.Requests;
using LvmCloud.Platform.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LvmCloud.Platform.Training;

/// <summary>
/// Training runs as the HTTP API and the <c>run.json</c> trigger see them: start (validate everything, resolve the
/// data into <c>plan.json</c>, queue round 0), status, cancel (running jobs finish, nothing new starts) and resume
/// (from the last merged round). Every step is idempotent: a POST or trigger delivered twice starts one run.
/// </summary>
public sealed class TrainingRunService(
    StorageClients clients,
    TrainingStateStore state,
    TrainingRounds rounds,
    TrainingDataResolver data,
    ModelRegistry models,
    SasIssuer sas,
    IOptions<IntakeOptions> intake,
    TimeProvider time,
    ILogger<TrainingRunService> logger)
{
    /// <summary>
    /// <c>POST /api/training</c>: validates the spec (every problem named), writes <c>run.json</c> and starts the run.
    /// A repeated POST of the same spec for the same run id answers the run as it is.
    /// </summary>
    /// <exception cref="BadRequestException">The spec has problems (all of them are in the message).</exception>
    /// <exception cref="ConflictException">The run id is taken by a different spec.</exception>
    public async Task<TrainingRunStatus> StartAsync(string specText, CancellationToken cancellationToken)
    {
        var reading = TrainingRunSpecJson.Read(specText);
        var spec = reading.Spec;
        var runId = spec.RunId is null ? TrainingIds.NewRunId(time.GetUtcNow()) : TrainingIds.RequireRunId(spec.RunId);
        var (plan, problems) = await CheckAsync(reading, runId, cancellationToken);
        if (problems.Count > 0)
            throw new BadRequestException(Describe(problems));

        var text = TrainingRunSpecJson.Write(spec with { RunId = runId });
        var specPath = TrainingLayout.SpecPath(runId);
        if (await clients.TrainingFiles.TryWriteTextAsync(specPath, text, FileWriteOptions.CreateOnce(contentType: ContentTypes.Json), cancellationToken) is null)
        {
            var existing = await clients.TrainingFiles.ReadAllTextAsync(specPath, cancellationToken);
            if (!SameSpec(existing, text))
                throw new ConflictException($"Run {runId} exists with a different run.json; start a new run (leave runId out for a fresh id).");
        }
        await BeginAsync(runId, spec, plan!, cancellationToken);
        return await GetStatusAsync(runId, cancellationToken);
    }

    /// <summary>
    /// The trigger on <c>training/{runId}/run.json</c>: starts the run it describes. A spec with problems becomes a
    /// failed run whose reason lists them (so <c>GET /api/training/{runId}</c> says why); a run that exists is left
    /// as it is (apart from finishing its start, if that was cut short).
    /// </summary>
    public async Task<TrainingRunStatus> StartFromUploadAsync(string runId, CancellationToken cancellationToken)
    {
        TrainingIds.RequireRunId(runId);
        if (await state.GetRunAsync(runId, cancellationToken) is { } existing)
        {
            if (existing.State == RunStates.Running && await state.GetRoundAsync(runId, 0, cancellationToken) is not { Enqueued: true })
                await rounds.EnsureStartedAsync(existing, 0, cancellationToken);
            return await GetStatusAsync(runId, cancellationToken);
        }

        TrainingRunSpec? spec = null;
        TrainingPlan? plan = null;
        List<string> problems;
        try
        {
            // Refused by the blob's declared length before a byte is downloaded; the download is bounded too.
            var declared = (await clients.TrainingFiles.GetInfoAsync(TrainingLayout.SpecPath(runId), cancellationToken)
                ?? throw new FileNotFoundException($"Run {runId} has no run.json ({clients.TrainingFiles.Describe(TrainingLayout.SpecPath(runId))}).")).Length;
            if (declared > TrainingLimits.MaxSpecBytes)
                throw new BadRequestException($"run.json is {declared} bytes, more than {TrainingLimits.MaxSpecBytes}; it was not read.");
            string text;
            await using (var content = await clients.TrainingFiles.OpenReadAsync(TrainingLayout.SpecPath(runId), cancellationToken))
                text = await BoundedText.ReadAsync(content, TrainingLimits.MaxSpecBytes, cancellationToken);
            if (Encoding.UTF8.GetByteCount(text) > TrainingLimits.MaxSpecBytes)
                throw new BadRequestException($"run.json is more than {TrainingLimits.MaxSpecBytes} bytes; it was not read.");
            var reading = TrainingRunSpecJson.Read(text);
            spec = reading.Spec;
            (plan, problems) = await CheckAsync(reading, runId, cancellationToken);
        }
        catch (BadRequestException e)
        {
            problems = [e.Message];
        }
        if (problems.Count > 0)
        {
            var failed = RunEntity.New(runId, spec ?? new TrainingRunSpec(), time.GetUtcNow());
            TrainingRunLifecycle.Move(failed, RunStates.Failed);
            failed.Reason = Describe(problems);
            failed.FinishedAt = failed.CreatedAt;
            if (await state.TryAddRunAsync(failed, cancellationToken))
                logger.LogWarning("Run {RunId} refused: {Reason}", runId, failed.Reason);
            return await GetStatusAsync(runId, cancellationToken);
        }
        await BeginAsync(runId, spec!, plan!, cancellationToken);
        return await GetStatusAsync(runId, cancellationToken);
    }

    /// <summary><c>POST /api/training/uploads</c>: a run id and write-only SAS URLs for its data files and its run.json.</summary>
    public async Task<TrainingUploadGrant> CreateUploadsAsync(TrainingUploadRequest request, CancellationToken cancellationToken)
    {
        var files = (request.Files ?? []).Append(TrainingLayout.SpecFileName).Distinct(StringComparer.Ordinal).ToList();
        if (files.Count > intake.Value.MaxFilesPerUpload)
            throw new BadRequestException($"Too many files: {files.Count} announced, at most {intake.Value.MaxFilesPerUpload}.");
        foreach (var file in files.Where(f => f != TrainingLayout.SpecFileName))
        {
            if (RelativePath.Check(file) is { } problem)
                throw new BadRequestException($"Upload path refused: {problem.Message}.");
            if (!file.StartsWith(TrainingDataPath.RunDataFolder + "/", StringComparison.Ordinal)
                || !(file.EndsWith(".bin", StringComparison.Ordinal) || file.EndsWith(".jsonl", StringComparison.Ordinal)))
                throw new BadRequestException($"Upload path '{file}' is not allowed: token shards go under '{TrainingDataPath.RunDataFolder}/' as .bin or .jsonl files.");
        }
        var now = time.GetUtcNow();
        var runId = TrainingIds.NewRunId(now);
        var expiresOn = now + intake.Value.UploadSasLifetime;
        var uploads = new Dictionary<string, Uri>(StringComparer.Ordinal);
        foreach (var file in files)
            uploads[file] = await sas.CreateAsync(clients.TrainingFiles, TrainingLayout.RunPrefix(runId) + file, SasAccess.Upload, expiresOn, cancellationToken);
        return new TrainingUploadGrant(runId, expiresOn, uploads);
    }

    public const int DefaultListPageSize = 20;
    public const int MaxListPageSize = 100;

    /// <summary>
    /// <c>GET /api/training</c>: one page of the runs, newest first: one query of the run index plus one point read per
    /// listed run, so a call costs O(page size) whatever the number of runs.
    /// </summary>
    /// <exception cref="BadRequestException"><paramref name="pageSize"/> is outside 1..<see cref="MaxListPageSize"/>.</exception>
    public async Task<TrainingRunList> ListAsync(int? pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        var size = pageSize ?? DefaultListPageSize;
        if (size < 1 || size > MaxListPageSize)
            throw new BadRequestException($"pageSize must be between 1 and {MaxListPageSize}, got {size}.");
        var (index, next) = await state.GetRunIndexPageAsync(size, string.IsNullOrWhiteSpace(continuationToken) ? null : continuationToken, cancellationToken);
        var rows = await Task.WhenAll(index.Select(i => state.GetRunAsync(i.RunId, cancellationToken)));
        return new TrainingRunList(rows.OfType<RunEntity>().Select(TrainingRunSummary.From).ToList(), next);
    }

    public async Task<TrainingRunStatus> GetStatusAsync(string runId, CancellationToken cancellationToken)
    {
        TrainingIds.RequireRunId(runId);
        return await rounds.ReadStatusAsync(runId, cancellationToken) ?? throw new NotFoundException($"Training run {runId} does not exist.");
    }

    /// <summary><c>GET /api/training/{runId}/loss.png</c>: train and eval loss per round, drawn from the round rows.</summary>
    public async Task<byte[]> RenderLossPlotAsync(string runId, CancellationToken cancellationToken)
    {
        var run = await RequireRunAsync(runId, cancellationToken);
        return TrainingLossPlot.Render(runId, run.InnerSteps, await state.GetRoundsAsync(runId, cancellationToken));
    }

    /// <summary>
    /// <c>POST /api/training/{runId}/cancel</c>: no new shard job starts (queued ones are cancelled), running ones finish
    /// and their round is merged; the run ends <c>cancelled</c>. A finished run is left as it is.
    /// </summary>
    public async Task<TrainingRunStatus> CancelAsync(string runId, CancellationToken cancellationToken)
    {
        var run = await RequireRunAsync(runId, cancellationToken);
        if (RunStates.IsTerminal(run.State))
            return await GetStatusAsync(runId, cancellationToken);
        run = await state.UpdateRunAsync(runId, r =>
        {
            if (r.CancelRequested || RunStates.IsTerminal(r.State)) return false;
            r.CancelRequested = true;
            return true;
        }, cancellationToken) ?? run;

        var cancelled = 0;
        foreach (var shard in await state.GetShardsAsync(runId, run.Round, cancellationToken))
        {
            if (shard.State != ShardStates.Queued)
                continue;
            var (written, _) = await state.TransitionShardAsync(runId, shard.Round, shard.Shard, s =>
            {
                if (s.State != ShardStates.Queued) return false; // a worker started it meanwhile: it finishes
                s.State = ShardStates.Cancelled;
                s.Error = "Cancelled before it started.";
                s.FinishedAt = time.GetUtcNow();
                return true;
            }, cancellationToken);
            if (written is not null)
                cancelled++;
        }
        logger.LogInformation("Run {RunId}: cancel requested in round {Round}, {Cancelled} queued shard jobs cancelled", runId, run.Round, cancelled);
        if (await state.GetRoundAsync(runId, run.Round, cancellationToken) is null)
            await state.UpdateRunAsync(runId, r =>
            {
                // Between rounds (the next one not started yet): nothing runs, so the run stops here.
                if (RunStates.IsTerminal(r.State)) return false;
                TrainingRunLifecycle.Move(r, RunStates.Cancelled);
                r.FinishedAt = time.GetUtcNow();
                r.Reason = $"Cancelled before round {r.Round} started; resume continues from it.";
                return true;
            }, cancellationToken);
        else
            await rounds.CloseIfStoppedAsync(runId, run.Round, cancellationToken);
        return await GetStatusAsync(runId, cancellationToken);
    }

    /// <summary>
    /// <c>POST /api/training/{runId}/resume</c>: a failed or cancelled run continues from its last merged round. The
    /// current round's shard jobs that did not succeed are queued again (each resumes from its own checkpoint); when all
    /// had succeeded (the merge was what failed), one of them is queued again, and its delivery redoes the merge.
    /// </summary>
    /// <exception cref="ConflictException">The run is running or finished.</exception>
    public async Task<TrainingRunStatus> ResumeAsync(string runId, CancellationToken cancellationToken)
    {
        var run = await RequireRunAsync(runId, cancellationToken);
        if (run.State is not (RunStates.Failed or RunStates.Cancelled))
            throw new ConflictException($"Run {runId} is {run.State}; only a failed or cancelled run can be resumed.");
        if (run.Rounds == 0 || !await clients.TrainingFiles.ExistsAsync(TrainingLayout.PlanPath(runId), cancellationToken))
            throw new ConflictException($"Run {runId} never started ({run.Reason}); fix run.json and start a new run.");
        run = await state.UpdateRunAsync(runId, r =>
        {
            if (r.State is not (RunStates.Failed or RunStates.Cancelled)) return false;
            TrainingRunLifecycle.Move(r, RunStates.Running);
            r.CancelRequested = false;
            r.Reason = null;
            r.FinishedAt = null;
            r.Resumes++;
            return true;
        }, cancellationToken) ?? run;

        var round = await state.GetRoundAsync(runId, run.Round, cancellationToken);
        if (round is null)
        {
            await rounds.EnsureStartedAsync(run, run.Round, cancellationToken);
            return await GetStatusAsync(runId, cancellationToken);
        }
        var requeued = 0;
        foreach (var shard in await state.GetShardsAsync(runId, run.Round, cancellationToken))
        {
            if (shard.State == ShardStates.Succeeded)
                continue;
            // Every unfinished shard starts over as queued with no owner, running ones included: the delivery that ran
            // it may have ended with the run (its message is gone), and one still alive finds itself taken over at its
            // next progress write and stops. Each is queued once more and resumes from its own checkpoint.
            var (written, _) = await state.TransitionShardAsync(runId, shard.Round, shard.Shard, s =>
            {
                if (s.State == ShardStates.Succeeded) return false;
                s.State = ShardStates.Queued;
                s.Error = null;
                s.FinishedAt = null;
                s.Owner = null;
                return true;
            }, cancellationToken);
            if (written is null)
                continue;
            await rounds.EnqueueAsync(runId, run.Round, shard.Shard, cancellationToken);
            requeued++;
        }
        if (requeued == 0)
            await rounds.EnqueueAsync(runId, run.Round, 0, cancellationToken);
        logger.LogInformation("Run {RunId} resumed at round {Round}: {Requeued} shard jobs queued", runId, run.Round, Math.Max(1, requeued));
        await rounds.WriteSnapshotAsync(runId, cancellationToken);
        return await GetStatusAsync(runId, cancellationToken);
    }

    /// <summary>The problems of <c>run.json</c> as read (its fields, then its values), then against storage, and the plan.</summary>
    public async Task<(TrainingPlan? Plan, List<string> Problems)> CheckAsync(TrainingRunSpecReading reading, string runId, CancellationToken cancellationToken)
    {
        var spec = reading.Spec;
        var problems = reading.Problems(runId);
        if (problems.Count > 0)
            return (null, problems);
        if (spec.Base!.Model is { } baseModel && await models.CheckUsableAsync(baseModel, "base.model", cancellationToken) is { } modelProblem)
            problems.Add(modelProblem);
        if (spec.Base.Tokenizer is { } tokenizer && await models.CheckUsableAsync(tokenizer, "base.tokenizer", cancellationToken) is { } tokenizerProblem)
            problems.Add(tokenizerProblem);
        if (await models.IsRegisteredAsync(spec.Output!, cancellationToken) || models.IsDefault(spec.Output!))
            problems.Add($"output {spec.Output} is registered already: choose a new name or version");
        var (train, trainProblems) = await data.ResolveAsync("data.train", spec.Data!.Train, runId, cancellationToken);
        var (eval, evalProblems) = await data.ResolveAsync("data.eval", spec.Data.Eval, runId, cancellationToken);
        problems.AddRange(trainProblems);
        problems.AddRange(evalProblems);
        return (problems.Count == 0 ? new TrainingPlan(runId, train, eval) : null, problems);
    }

    /// <summary>Writes the plan (once), adds the run row, and starts round 0.</summary>
    private async Task BeginAsync(string runId, TrainingRunSpec spec, TrainingPlan plan, CancellationToken cancellationToken)
    {
        // Created once: when an earlier start wrote it (null here), that plan stands.
        await clients.TrainingFiles.TryWriteTextAsync(TrainingLayout.PlanPath(runId), JsonSerializer.Serialize(plan, PlatformJson.Web), FileWriteOptions.CreateOnce(contentType: ContentTypes.Json), cancellationToken);
        var run = RunEntity.New(runId, spec, time.GetUtcNow());
        if (await state.TryAddRunAsync(run, cancellationToken))
            logger.LogInformation("Run {RunId} created: {Rounds} rounds of {Shards} shards x {Steps} inner steps from {Base}, registering {Output}",
                runId, spec.Rounds, spec.ShardsPerRound, spec.InnerSteps, spec.Base, spec.Output);
        else
            run = await state.GetRunAsync(runId, cancellationToken) ?? throw new InvalidOperationException($"Run {runId} vanished.");
        if (run.State == RunStates.Running)
            await rounds.EnsureStartedAsync(run, run.Round, cancellationToken);
        await rounds.WriteSnapshotAsync(runId, cancellationToken);
    }

    private async Task<RunEntity> RequireRunAsync(string runId, CancellationToken cancellationToken) =>
        await state.GetRunAsync(TrainingIds.RequireRunId(runId), cancellationToken) ?? throw new NotFoundException($"Training run {runId} does not exist.");

    private static bool SameSpec(string a, string b)
    {
        try
        {
            return TrainingRunSpecJson.Write(TrainingRunSpecJson.Parse(a)) == TrainingRunSpecJson.Write(TrainingRunSpecJson.Parse(b));
        }
        catch (BadRequestException)
        {
            return false;
        }
    }

    /// <summary>All problems in one message, numbered, for a 400 answer or a failed run's reason.</summary>
    public static string Describe(IReadOnlyList<string> problems) => TrainingRunSpecJson.Describe(problems);
}
