using LvmCloud.Platform.Queues;
using LvmCloud.Vision.Tokenizer;

namespace LvmCloud.Worker.Tokenize;

/// <summary>
/// A VQGAN loaded for <c>tokenize</c> jobs, with its <see cref="TokenizerId"/> computed from the very files it was
/// loaded from. Jobs on one tokenizer take turns (<see cref="Gate"/>): a model runs one encode at a time.
/// </summary>
public sealed class LoadedTokenizer(ModelReference reference, string tokenizerId, VqganTokenizer tokenizer) : IDisposable
{
    public ModelReference Reference { get; } = reference;
    public string TokenizerId { get; } = tokenizerId;
    public VqganTokenizer Tokenizer { get; } = tokenizer;
    public SemaphoreSlim Gate { get; } = new(1, 1);

    public void Dispose()
    {
        Tokenizer.Dispose();
        Gate.Dispose();
    }
}
