namespace LvmCloud.Vision.Devices;

/// <summary>A device was asked for by name (<c>cuda</c>) that this build or machine does not have; the message says which and how to fix it.</summary>
public sealed class DeviceUnavailableException(string message) : InvalidOperationException(message);
