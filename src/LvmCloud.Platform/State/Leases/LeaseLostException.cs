namespace LvmCloud.Platform.State.Leases;

/// <summary>A holder tried to renew (or write under) a lease that is no longer its own: another holder took it over, or the row moved on.</summary>
public sealed class LeaseLostException(string message) : Exception(message);
