namespace LvmCloud.Cli.Commands.Platform.Batches;

/// <summary><c>lvm batches submit|status|wait|fetch|cancel|list</c>: batch completion on the platform.</summary>
public sealed class BatchesCommand(
    BatchesSubmitCommand submit, BatchesStatusCommand status, BatchesWaitCommand wait, BatchesFetchCommand fetch, BatchesCancelCommand cancel, BatchesListCommand list)
    : LvmCommandGroup("batches",
        "Batches on the platform: submit a manifest and its images, follow it, download its results and gallery, cancel it, list them.",
        [submit, status, wait, fetch, cancel, list]);
