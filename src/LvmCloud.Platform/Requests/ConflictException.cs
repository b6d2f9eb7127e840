namespace LvmCloud.Platform.Requests;

/// <summary>The request conflicts with the state of what it names (e.g. results of an unfinished batch). HTTP functions answer 409.</summary>
public sealed class ConflictException(string message) : Exception(message);
