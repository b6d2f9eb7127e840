using System.Text.Json;
using Xunit.Abstractions;

namespace LvmCloud.Infra.Tests;

public sealed class BicepTemplateTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Main_template_builds_to_a_subscription_deployment_with_no_errors()
    {
        var result = await CompiledTemplate.BuildAsync();

        ListWarnings(result);
        Assert.Empty(result.Diagnostics("Error"));
        Assert.Equal(0, result.ExitCode);
        using var template = JsonDocument.Parse(result.StdOut);
        Assert.Contains("subscriptionDeploymentTemplate", template.RootElement.GetProperty("$schema").GetString());
    }

    [Fact]
    public async Task Main_template_lints_with_no_errors()
    {
        var result = await BicepCli.RunAsync("lint", InfraFiles.MainBicep);

        ListWarnings(result);
        Assert.Empty(result.Diagnostics("Error"));
        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public async Task Template_outputs_what_azd_and_the_clients_need()
    {
        using var template = await CompiledTemplate.JsonAsync();
        var outputs = template.RootElement.GetProperty("outputs").EnumerateObject().Select(o => o.Name).ToHashSet();

        foreach (var name in new[]
                 {
                     "AZURE_CONTAINER_REGISTRY_ENDPOINT", "AZURE_RESOURCE_GROUP", "AZURE_LOCATION", "API_URL",
                     "AZURE_STORAGE_ACCOUNT_NAME", "AZURE_STORAGE_BLOB_ENDPOINT", "AZURE_STORAGE_QUEUE_ENDPOINT",
                     "AZURE_STORAGE_TABLE_ENDPOINT",
                 })
            Assert.Contains(name, outputs);
    }

    [Fact]
    public async Task Parameters_file_binds_azd_variables_to_declared_parameters_only()
    {
        using var template = await CompiledTemplate.JsonAsync();
        var declared = template.RootElement.GetProperty("parameters").EnumerateObject().Select(p => p.Name).ToHashSet();
        using var parameters = JsonDocument.Parse(InfraFiles.Read(Path.Combine(InfraFiles.Root, "main.parameters.json")));
        var bound = parameters.RootElement.GetProperty("parameters").EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.GetProperty("value").GetString() ?? "");

        Assert.All(bound.Keys, name => Assert.Contains(name, declared));
        Assert.Equal("${AZURE_ENV_NAME}", bound["environmentName"]);
        Assert.Equal("${AZURE_LOCATION}", bound["location"]);
        Assert.Equal("${AZURE_PRINCIPAL_ID}", bound["principalId"]);
        Assert.Equal("${DEPLOY_EVENT_SUBSCRIPTION=false}", bound["deployEventSubscription"]);
    }

    private void ListWarnings(BicepCli.Result result)
    {
        foreach (var warning in result.Diagnostics("Warning"))
            output.WriteLine(warning);
    }
}
