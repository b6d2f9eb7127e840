namespace LvmCloud.Platform.Requests;

/// <summary>The batch, run, dataset, model, item or file asked for does not exist. HTTP functions answer 404.</summary>
public sealed class NotFoundException(string message) : Exception(message);
