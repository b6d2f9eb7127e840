namespace LvmCloud.Platform.Requests;

/// <summary>The caller asked for something invalid; the message says what. HTTP functions answer 400.</summary>
public sealed class BadRequestException(string message) : Exception(message);
