namespace LvmCloud.Platform.Intake;
public sealed class BatchIntakeService { public Task<IntakeOutcome> IngestAsync(string b, CancellationToken c) => throw new NotImplementedException(); }
public sealed class InputImageCheck;
