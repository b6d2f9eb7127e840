namespace LvmCloud.Platform.Batches;

/// <summary>The caller asked for something invalid; the message says what. HTTP functions answer 400.</summary>
public sealed class BadRequestException(string message) : Exception(message);

/// <summary>The batch (or item, or file) does not exist. HTTP functions answer 404.</summary>
public sealed class NotFoundException(string message) : Exception(message);

/// <summary>The request conflicts with the batch's state (e.g. results of an unfinished batch). HTTP functions answer 409.</summary>
public sealed class ConflictException(string message) : Exception(message);
