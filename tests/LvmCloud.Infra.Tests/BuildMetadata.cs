using System.Reflection;

namespace LvmCloud.Infra.Tests;

/// <summary>Paths the test build records in the assembly (AssemblyMetadata items in the project file).</summary>
internal static class BuildMetadata
{
    /// <summary>The repository the tests were built from.</summary>
    public static string RepositoryRoot => Value("RepositoryRoot");

    /// <summary>The restored TorchSharp package folder (the pinned version), for its nuspec.</summary>
    public static string TorchSharpPackage => Value("TorchSharpPackage");

    /// <summary>A file of the repository, read whole.</summary>
    public static string ReadRepositoryFile(string relativePath)
    {
        var path = Path.Combine(RepositoryRoot, relativePath);
        return File.Exists(path) ? File.ReadAllText(path) : throw new FileNotFoundException($"Repository file missing: {relativePath}", path);
    }

    private static string Value(string key) =>
        typeof(BuildMetadata).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().SingleOrDefault(a => a.Key == key)?.Value is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"Assembly metadata '{key}' is missing: rebuild tests/LvmCloud.Infra.Tests.");
}
