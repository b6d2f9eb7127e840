namespace LvmCloud.Platform.Intake;

public sealed class BatchIntakeService;
