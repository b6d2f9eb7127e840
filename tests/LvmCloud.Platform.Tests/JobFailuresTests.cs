using Azure;
using LvmCloud.Platform.Queues;
using LvmCloud.Worker.Completion;
using LvmCloud.Worker.Jobs;

namespace LvmCloud.Platform.Tests;

/// <summary>The one place that tells errors retrying cannot fix from those it can.</summary>
public sealed class JobFailuresTests
{
    public static TheoryData<Exception, bool> Errors() => new()
    {
        { new ModelNotFoundException("Model x/1 is neither here nor there."), true },
        { new ModelLoadException("Model x/1 cannot be loaded: bad header.", new InvalidDataException("bad header")), true },
        { new InvalidJobMessageException("payload does not validate"), true },
        { new InvalidOperationException("wrapper", new ModelNotFoundException("inner")), true },
        { new AggregateException(new ModelNotFoundException("a"), new InvalidJobMessageException("b")), true },
        { new AggregateException(new ModelNotFoundException("a"), new TimeoutException("b")), false },
        { new RequestFailedException(503, "server busy"), false },
        { new TimeoutException("slow storage"), false },
        { new InvalidOperationException("model exploded"), false },
        { new OutOfMemoryException(), false },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public void Permanent_errors_are_model_not_found_corrupt_models_and_invalid_jobs_and_nothing_else(Exception error, bool permanent) =>
        Assert.Equal(permanent, JobFailures.IsPermanent(error));

    [Fact]
    public void An_error_is_described_in_one_line_with_its_type()
    {
        Assert.Equal("TimeoutException: slow storage", JobFailures.Describe(new TimeoutException("slow storage")));
        Assert.Equal("TimeoutException: inner", JobFailures.Describe(new AggregateException(new TimeoutException("inner"))));
    }
}
