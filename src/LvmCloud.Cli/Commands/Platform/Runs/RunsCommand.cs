namespace LvmCloud.Cli.Commands.Platform.Runs;

/// <summary><c>lvm runs submit|status|wait|cancel|resume|list</c>: training runs on the platform.</summary>
public sealed class RunsCommand(RunsSubmitCommand submit, RunsStatusCommand status, RunsWaitCommand wait, RunsCancelCommand cancel, RunsResumeCommand resume, RunsListCommand list)
    : LvmCommandGroup("runs",
        "Training runs on the platform (DiLoCo rounds of train-shard jobs): start one from a run.json, follow it, cancel and resume it; list them.",
        [submit, status, wait, cancel, resume, list]);
