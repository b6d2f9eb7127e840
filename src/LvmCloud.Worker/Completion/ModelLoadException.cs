using LvmCloud.Platform.Queues;

namespace LvmCloud.Worker.Completion;

/// <summary>The model's files are there but do not load (corrupt or incomplete checkpoint, bad config): permanent.</summary>
public sealed class ModelLoadException(string message, Exception inner) : PermanentJobException(message, inner);
