namespace LvmCloud.Platform.Intake;

/// <summary>What an intake run did: <see cref="Planned"/> is false when the batch had already been planned (no-op).</summary>
public sealed record IntakeOutcome(string BatchId, bool Planned, string State, int Accepted, int Rejected, int MessagesEnqueued);
