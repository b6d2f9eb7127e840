using LvmCloud.Core.Paths;

namespace LvmCloud.Core.Tests.Paths;

public sealed class RelativePathTests
{
    [Theory]
    [InlineData("a.png")]
    [InlineData("frames/video 01/f-000_1.png")]
    [InlineData("..hidden/a.png")]
    [InlineData("a..b.png")]
    public void Accepts_plain_relative_paths(string path)
    {
        Assert.Null(RelativePath.Check(path));
    }

    [Theory]
    [InlineData("", "path-empty")]
    [InlineData("../secret.png", "path-traversal")]
    [InlineData("a/../../b.png", "path-traversal")]
    [InlineData("a/..", "path-traversal")]
    [InlineData("/etc/passwd", "path-absolute")]
    [InlineData("C:/images/a.png", "path-url")]
    [InlineData("https://example.com/a.png", "path-url")]
    [InlineData("file:a.png", "path-url")]
    [InlineData("a\\b.png", "path-backslash")]
    [InlineData("a//b.png", "path-empty-segment")]
    [InlineData("a/", "path-empty-segment")]
    [InlineData("./a.png", "path-dot-segment")]
    [InlineData("a/b?.png", "path-character")]
    [InlineData("caf\u00e9.png", "path-character")]
    [InlineData("a\u0000.png", "path-character")]
    [InlineData("a/ b.png", "path-space")]
    public void Rejects_unsafe_paths_with_a_specific_reason(string path, string reason)
    {
        PathProblem? problem = RelativePath.Check(path);

        Assert.NotNull(problem);
        Assert.Equal(reason, problem.Reason);
    }

    [Fact]
    public void Rejects_paths_over_512_characters()
    {
        Assert.Null(RelativePath.Check(new string('a', 512)));
        Assert.Equal("path-too-long", RelativePath.Check(new string('a', 513))?.Reason);
    }
}
