namespace LvmCloud.Vision.Batches;

/// <summary>
/// Tells an allocation failure from other errors. libtorch reports one as an error whose text names it
/// (CPU: "DefaultCPUAllocator: can't allocate memory: you tried to allocate N bytes"; CUDA: "CUDA out of memory.
/// Tried to allocate ..."), which TorchSharp rethrows as an <see cref="System.Runtime.InteropServices.ExternalException"/>;
/// .NET's own is <see cref="OutOfMemoryException"/>.
/// </summary>
public static class OutOfMemory
{
    public const string ErrorCode = "out-of-memory";

    private static readonly string[] Markers = ["can't allocate memory", "out of memory", "not enough memory", "Cannot allocate memory"];

    public static bool Is(Exception error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            if (e is OutOfMemoryException || Markers.Any(m => e.Message.Contains(m, StringComparison.OrdinalIgnoreCase)))
                return true;
            if (e is AggregateException aggregate)
                return aggregate.InnerExceptions.Any(Is);
        }
        return false;
    }
}
