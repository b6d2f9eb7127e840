namespace LvmCloud.Platform.State;

/// <summary>A conditional write kept losing to other writers; the operation can be tried again later.</summary>
public sealed class ConcurrencyConflictException(string message) : Exception(message);
