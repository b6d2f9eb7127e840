namespace LvmCloud.Infra.Tests;

/// <summary>The infrastructure files as copied into the test output folder (Infra/).</summary>
internal static class InfraFiles
{
    public static string Root => Path.Combine(AppContext.BaseDirectory, "Infra");

    public static string MainBicep => Path.Combine(Root, "main.bicep");

    public static string Module(string name) => Path.Combine(Root, "modules", name);

    public static string Read(string path) =>
        File.Exists(path) ? File.ReadAllText(path) : throw new FileNotFoundException($"Infrastructure file missing from the test output: {path}", path);
}
