namespace LvmCloud.Platform.Tests.Infrastructure;

internal static class RepoRoot
{
    /// <summary>The folder holding LvmCloud.sln, found upwards from the test binaries.</summary>
    public static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "LvmCloud.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"LvmCloud.sln not found above {AppContext.BaseDirectory}.");
    }
}
