using System.Reflection;
using System.Text.RegularExpressions;

namespace LvmCloud.Infra.Tests;

public sealed class AzdFilesTests
{
    private static readonly string AzureYaml = InfraFiles.Read(Path.Combine(InfraFiles.Root, "azure.yaml"));

    private static string RepositoryRoot =>
        typeof(AzdFilesTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value
        ?? throw new InvalidOperationException("RepositoryRoot metadata missing.");

    [Theory]
    [InlineData("api", "function", "function-app.bicep")]
    [InlineData("worker", "containerapp", "worker-app.bicep")]
    public void Each_azd_service_has_its_host_and_a_resource_tagged_with_its_name(string service, string host, string module)
    {
        var block = ServiceBlock(service);

        Assert.Matches($@"(?m)^\s+host:\s*{host}\s*$", block);
        Assert.Contains($"'azd-service-name': '{service}'", InfraFiles.Read(InfraFiles.Module(module)));
    }

    [Fact]
    public void Azd_service_projects_and_worker_dockerfile_exist()
    {
        var api = Value(ServiceBlock("api"), "project");
        var worker = Value(ServiceBlock("worker"), "project");
        var dockerfile = Value(ServiceBlock("worker"), "path");

        Assert.True(File.Exists(Path.Combine(RepositoryRoot, api, "LvmCloud.Functions.csproj")), $"api project not found at {api}");
        Assert.True(File.Exists(Path.Combine(RepositoryRoot, worker, "LvmCloud.Worker.csproj")), $"worker project not found at {worker}");
        Assert.True(File.Exists(Path.Combine(RepositoryRoot, worker, dockerfile)), $"worker Dockerfile not found at {worker}/{dockerfile}");
    }

    /// <summary>The lines of one service under <c>services:</c>, up to the next service.</summary>
    private static string ServiceBlock(string service)
    {
        var match = Regex.Match(AzureYaml, $@"(?ms)^  {Regex.Escape(service)}:\s*$(?<body>.*?)(?=^  \S|^\S|\z)");
        return match.Success ? match.Groups["body"].Value : throw new InvalidOperationException($"azure.yaml has no service '{service}'.");
    }

    private static string Value(string block, string key)
    {
        var match = Regex.Match(block, $@"(?m)^\s+{key}:\s*(\S+)\s*$");
        return match.Success ? match.Groups[1].Value : throw new InvalidOperationException($"azure.yaml service block has no '{key}'.");
    }
}
