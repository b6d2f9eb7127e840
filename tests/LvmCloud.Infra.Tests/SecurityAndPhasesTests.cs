using System.Text.Json;
using LvmCloud.Platform.Storage;

namespace LvmCloud.Infra.Tests;

/// <summary>Properties of the compiled template that the platform's rules depend on.</summary>
public sealed class SecurityAndPhasesTests
{
    [Fact]
    public async Task Storage_account_refuses_shared_keys_plain_http_and_old_tls()
    {
        using var template = await CompiledTemplate.JsonAsync();

        var account = Assert.Single(TemplateQuery.Resources(template.RootElement, "Microsoft.Storage/storageAccounts"));
        var properties = account.GetProperty("properties");

        Assert.False(properties.GetProperty("allowSharedKeyAccess").GetBoolean());
        Assert.True(properties.GetProperty("supportsHttpsTrafficOnly").GetBoolean());
        Assert.Equal("TLS1_2", properties.GetProperty("minimumTlsVersion").GetString());
        Assert.False(properties.GetProperty("allowBlobPublicAccess").GetBoolean());
    }

    [Fact]
    public async Task Event_subscription_is_deployed_only_when_asked_and_off_by_default()
    {
        using var template = await CompiledTemplate.JsonAsync();
        var root = template.RootElement;

        var module = TemplateQuery.Module(root, "manifestEvents");

        Assert.Equal("[parameters('deployEventSubscription')]", module.GetProperty("condition").GetString());
        Assert.False(root.GetProperty("parameters").GetProperty("deployEventSubscription").GetProperty("defaultValue").GetBoolean());
    }

    [Fact]
    public async Task Dataset_uploads_reach_the_sentences_trigger_through_their_own_subscription_in_the_same_phase()
    {
        using var template = await CompiledTemplate.JsonAsync();
        var root = template.RootElement;
        var manifests = TemplateQuery.Module(root, "manifestEvents");
        var datasets = TemplateQuery.Module(root, "datasetEvents");

        Assert.Equal("[parameters('deployEventSubscription')]", datasets.GetProperty("condition").GetString());
        var main = InfraFiles.Read(InfraFiles.MainBicep);
        Assert.Contains($"var datasetsContainerName = '{StorageLayout.DatasetsContainer}'", main);
        Assert.Contains("var sentencesFileName = 'sentences.jsonl'", main);
        Assert.Contains("var sentencesFunctionName = 'SentencesUploaded'", main);
        Assert.Contains("subscriptionName: 'sentences-uploaded'", main);
        Assert.Contains("subscriptionName: 'manifest-uploaded'", main);
        Assert.NotEqual(manifests.GetProperty("name").GetString(), datasets.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Run_specs_reach_the_run_json_trigger_through_their_own_subscription_in_the_same_phase()
    {
        using var template = await CompiledTemplate.JsonAsync();
        var runs = TemplateQuery.Module(template.RootElement, "runEvents");

        Assert.Equal("[parameters('deployEventSubscription')]", runs.GetProperty("condition").GetString());
        var main = InfraFiles.Read(InfraFiles.MainBicep);
        Assert.Contains($"var trainingContainerName = '{StorageLayout.TrainingContainer}'", main);
        Assert.Contains($"var runSpecFileName = '{LvmCloud.Platform.Training.TrainingLayout.SpecFileName}'", main);
        Assert.Contains("var runSpecFunctionName = 'RunUploaded'", main);
        Assert.Contains("subscriptionName: 'run-uploaded'", main);
        Assert.Equal(StorageLayout.TrainingContainer + "/{runId}/" + LvmCloud.Platform.Training.TrainingLayout.SpecFileName,
            LvmCloud.Platform.Training.TrainingLayout.SpecTriggerPath);
    }

    [Fact]
    public void The_retokenization_timer_gets_its_schedule_as_an_app_setting()
    {
        var functionApp = InfraFiles.Read(InfraFiles.Module("function-app.bicep"));
        var main = InfraFiles.Read(InfraFiles.MainBicep);

        Assert.Contains("Tokenize__Schedule: tokenizeSchedule", functionApp);
        Assert.Contains("param tokenizeSchedule string = '0 0 * * * *'", main);
        Assert.Contains("tokenizeSchedule: tokenizeSchedule", main);
    }

    [Theory]
    [InlineData("apiStorageAccess")]
    [InlineData("workerStorageAccess")]
    public async Task App_identity_gets_storage_data_and_delegator_roles(string module)
    {
        string[] required =
        [
            "ba92f5b4-2d11-453d-a403-e96b0029c9fe", // Storage Blob Data Contributor
            "974c5e8b-45b9-4653-ba55-5f855dd0fb88", // Storage Queue Data Contributor
            "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3", // Storage Table Data Contributor
            "db58b8e5-c6ad-4a2a-8342-4190687cbf4a", // Storage Blob Delegator
        ];
        using var template = await CompiledTemplate.JsonAsync();

        var nested = TemplateQuery.Module(template.RootElement, module).GetProperty("properties").GetProperty("template");
        var assignments = Assert.Single(TemplateQuery.Resources(nested, "Microsoft.Authorization/roleAssignments"));
        var variables = nested.GetProperty("variables").EnumerateObject().ToDictionary(v => v.Name, v => v.Value.ToString());
        var roleIds = variables["roleIds"];
        // Roles granted whatever the module's parameters say: the part of the expression before any if(...).
        var unconditional = roleIds.Split("if(", 2)[0];

        Assert.Equal("[length(variables('roleIds'))]", assignments.GetProperty("copy").GetProperty("count").GetString());
        Assert.All(required, id =>
        {
            var name = Assert.Single(variables, v => v.Value == id).Key;
            Assert.Contains($"variables('{name}')", unconditional);
        });
    }
}
