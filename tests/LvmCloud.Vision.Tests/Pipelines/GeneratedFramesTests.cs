using LvmCloud.Vision.Pipelines;

namespace LvmCloud.Vision.Tests.Pipelines;

public sealed class GeneratedFramesTests
{
    [Fact]
    public void Rows_are_prompt_major_then_candidate_then_frame()
    {
        // 2 prompts × 3 candidates × 2 frames; row r holds the single code r.
        var frames = new GeneratedFrames(2, 3, 2, Enumerable.Range(0, 12).Select(r => new long[] { r }).ToList());

        Assert.Equal([0L], frames.Frame(0, 0, 0));
        Assert.Equal([3L], frames.Frame(0, 1, 1));
        Assert.Equal([11L], frames.Frame(1, 2, 1));
        Assert.Equal([6L, 7, 8, 9, 10, 11], frames.OfPrompt(1).Select(f => f[0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => frames.Frame(0, 3, 0));
    }

    [Fact]
    public void Refuses_codes_that_do_not_match_the_counts() =>
        Assert.Throws<ArgumentException>(() => new GeneratedFrames(1, 2, 2, [[1], [2], [3]]));
}
