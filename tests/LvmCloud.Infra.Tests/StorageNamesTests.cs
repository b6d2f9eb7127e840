using System.Text.RegularExpressions;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Storage;

namespace LvmCloud.Infra.Tests;

/// <summary>The names the Bicep creates and wires are the names the platform code uses.</summary>
public sealed class StorageNamesTests
{
    private static readonly string StorageBicep = InfraFiles.Read(InfraFiles.Module("storage.bicep"));
    private static readonly string MainBicep = InfraFiles.Read(InfraFiles.MainBicep);

    [Fact]
    public void Bicep_blob_containers_are_the_storage_layout_containers()
    {
        string[] expected =
        [
            StorageLayout.BatchesContainer, StorageLayout.ResultsContainer, StorageLayout.ModelsContainer,
            StorageLayout.DatasetsContainer, StorageLayout.TokensContainer, StorageLayout.TrainingContainer,
        ];

        var declared = BicepDeclarations.StringArrayVar(StorageBicep, "blobContainerNames");

        Assert.Equal(expected.Order(), declared.Order());
    }

    [Fact]
    public void Bicep_queues_are_the_job_queues_and_their_poison_twins()
    {
        var declared = BicepDeclarations.StringArrayVar(StorageBicep, "queueNames");

        Assert.Equal(new QueueNames().All().Order(), declared.Order());
    }

    [Fact]
    public void Bicep_table_is_the_job_state_table()
    {
        var declared = BicepDeclarations.StringArrayVar(StorageBicep, "tableNames");

        Assert.Equal([StorageLayout.JobStateTable], declared);
    }

    [Fact]
    public async Task Worker_scales_on_the_generate_queue()
    {
        Assert.Equal(new QueueNames().Generate, BicepDeclarations.StringVar(MainBicep, "generateQueueName"));
        // The worker app takes a list of queues: by default it watches generate and tokenize, settings keyed by the name.
        Assert.Contains("'${generateQueueName}': ", MainBicep);
        using var document = await CompiledTemplate.JsonAsync();
        var main = ArmScope.ForTemplate(document.RootElement.Clone(), new Dictionary<string, System.Text.Json.Nodes.JsonNode?>
        {
            ["environmentName"] = "lvm-test",
            ["location"] = "swedencentral",
        });
        var app = main.Module("worker").Resource("Microsoft.App/containerApps");
        var rules = app["properties"]!["template"]!["scale"]!["rules"]!.AsArray();
        Assert.Equal([new QueueNames().Generate, new QueueNames().Tokenize], rules.Select(r => r!["azureQueue"]!["queueName"]!.GetValue<string>()));
    }

    [Fact]
    public void Event_subscription_targets_the_manifest_trigger()
    {
        var container = BicepDeclarations.StringVar(MainBicep, "manifestContainerName");
        var file = BicepDeclarations.StringVar(MainBicep, "manifestFileName");
        var function = BicepDeclarations.StringVar(MainBicep, "manifestFunctionName");

        Assert.Equal(StorageLayout.ManifestTriggerPath, $"{container}/{{batchId}}/{file}");
        var source = InfraFiles.Read(Path.Combine(AppContext.BaseDirectory, "Infra", "ManifestUploadedFunction.cs"));
        Assert.Equal(function, Regex.Match(source, @"\[Function\(""([^""]+)""\)\]").Groups[1].Value);
        Assert.Contains("functionName: manifestFunctionName", MainBicep);
    }
}
