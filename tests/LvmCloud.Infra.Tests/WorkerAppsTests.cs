using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using LvmCloud.Platform.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace LvmCloud.Infra.Tests;

/// <summary>
/// The two queue-consuming container apps as they would be deployed: the compiled template evaluated for chosen
/// parameters, and each app's environment and arguments read back the way the worker's host reads them.
/// </summary>
public sealed class WorkerAppsTests
{
    private const string ContainerApps = "Microsoft.App/containerApps";

    /// <summary>Longest terminationGracePeriodSeconds Container Apps accepts.</summary>
    private const int MaxGracePeriodSeconds = 600;

    /// <summary>How long the worker's consumer allows itself to hand a message back when stopping (QueueConsumer).</summary>
    private const int HandBackSeconds = 5;

    private static readonly string[] InferenceKinds = [QueueNames.GenerateKind, QueueNames.TokenizeKind];

    public static TheoryData<string, string, string> ServedQueues => new()
    {
        // app, workerQueues, expected kind=messagesPerReplica
        { "worker", "generate", "generate=2" },
        { "worker", "generate,tokenize", "generate=2,tokenize=4" },
        { "trainer", "generate", "train-shard=1" },
    };

    [Theory]
    [MemberData(nameof(ServedQueues))]
    public async Task Each_served_queue_gets_one_scale_rule_authenticated_with_the_app_identity(string app, string workerQueues, string expected)
    {
        var (_, resource) = await AppAsync(app, new() { ["workerQueues"] = workerQueues, ["deployTrainer"] = true });
        var properties = resource["properties"]!;
        var rules = properties["template"]!["scale"]!["rules"]!.AsArray();
        var identity = Assert.Single(resource["identity"]!["userAssignedIdentities"]!.AsObject()).Key;

        var expectedRules = expected.Split(',').Select(e => e.Split('=')).ToDictionary(e => e[0], e => long.Parse(e[1], CultureInfo.InvariantCulture));
        Assert.Equal(expectedRules.Keys, rules.Select(r => r!["azureQueue"]!["queueName"]!.GetValue<string>()));
        Assert.All(rules, rule =>
        {
            var queue = rule!["azureQueue"]!;
            var kind = queue["queueName"]!.GetValue<string>();
            Assert.Equal(new[] { "name", "azureQueue" }, rule.AsObject().Select(p => p.Key));
            Assert.Equal($"{kind}-queue", rule["name"]!.GetValue<string>());
            Assert.Equal(new QueueNames().For(kind), kind);
            Assert.Equal(expectedRules[kind], queue["queueLength"]!.GetValue<long>());
            Assert.Equal("«reference('storage').outputs.name.value»", queue["accountName"]!.GetValue<string>());
            // The scaler reads the queue with the app's own user-assigned identity: no connection string, no key.
            Assert.Equal(identity, queue["identity"]!.GetValue<string>());
            Assert.Null(queue["auth"]);
        });
        Assert.Equal("«reference('workerIdentity').outputs.id.value»", identity);
        Assert.Equal(0, properties["template"]!["scale"]!["minReplicas"]!.GetValue<long>());
        Assert.Equal(identity, Assert.Single(properties["configuration"]!["registries"]!.AsArray())!["identity"]!.GetValue<string>());
    }

    [Theory]
    [MemberData(nameof(ServedQueues))]
    public async Task Worker_Queues_is_exactly_the_served_list(string app, string workerQueues, string expected)
    {
        var (_, resource) = await AppAsync(app, new() { ["workerQueues"] = workerQueues, ["deployTrainer"] = true });
        var configuration = WorkerConfiguration(resource);
        var watched = resource["properties"]!["template"]!["scale"]!["rules"]!.AsArray()
            .Select(r => r!["azureQueue"]!["queueName"]!.GetValue<string>());

        var served = configuration["Worker:Queues"]!.Split(',');

        Assert.Equal(expected.Split(',').Select(e => e.Split('=')[0]), served);
        Assert.Equal(watched, served);
        // Kinds never move between apps: inference on the worker, training on the trainer.
        Assert.All(served, kind => Assert.Equal(app == "worker", InferenceKinds.Contains(kind)));
    }

    [Fact]
    public async Task Worker_app_serves_both_inference_kinds_by_default_and_only_inference_kinds()
    {
        using var document = await CompiledTemplate.JsonAsync();
        var parameter = document.RootElement.GetProperty("parameters").GetProperty("workerQueues");
        var choices = parameter.GetProperty("allowedValues").EnumerateArray().Select(v => v.GetString()!.Split(',')).ToList();

        Assert.Equal($"{QueueNames.GenerateKind},{QueueNames.TokenizeKind}", parameter.GetProperty("defaultValue").GetString());
        Assert.All(choices, kinds =>
        {
            Assert.Contains(QueueNames.GenerateKind, kinds);
            Assert.All(kinds, kind => Assert.Contains(kind, InferenceKinds));
        });
        Assert.Equal("${WORKER_QUEUES=generate,tokenize}", ParameterBinding("workerQueues"));
    }

    [Fact]
    public async Task Trainer_app_is_absent_by_default_and_asks_for_no_gpu_profile()
    {
        var main = await MainAsync(new() { ["trainerGpuProfile"] = "Consumption-GPU-NC24-A100" });
        using var document = await CompiledTemplate.JsonAsync();

        Assert.False(main.IsDeployed("trainer"));
        Assert.False(document.RootElement.GetProperty("parameters").GetProperty("deployTrainer").GetProperty("defaultValue").GetBoolean());
        Assert.Equal("${DEPLOY_TRAINER=false}", ParameterBinding("deployTrainer"));
        var profiles = main.Module("containerAppsEnvironment").Resource("Microsoft.App/managedEnvironments")["properties"]!["workloadProfiles"]!;
        Assert.Equal(new[] { "Consumption" }, profiles.AsArray().Select(p => p!["name"]!.GetValue<string>()));
        Assert.Equal("", main.Evaluate(document.RootElement.GetProperty("outputs").GetProperty("TRAINER_APP_NAME").GetProperty("value"))!.GetValue<string>());
    }

    [Theory]
    [InlineData("Consumption-GPU-NC8as-T4", "Consumption-GPU-NC24-A100", "gpu-trainer")]
    [InlineData("Consumption-GPU-NC8as-T4", "Consumption-GPU-NC8as-T4", "gpu")]
    [InlineData("", "Consumption-GPU-NC24-A100", "gpu-trainer")]
    [InlineData("Consumption-GPU-NC8as-T4", "", "Consumption")]
    public async Task Trainer_app_when_enabled_serves_train_shard_alone_on_its_own_profile(string workerGpu, string trainerGpu, string trainerProfile)
    {
        var main = await MainAsync(new() { ["deployTrainer"] = true, ["workerGpuProfile"] = workerGpu, ["trainerGpuProfile"] = trainerGpu });
        var trainer = main.Module("trainer").Resource(ContainerApps);
        var worker = main.Module("worker").Resource(ContainerApps);
        var environment = main.Module("containerAppsEnvironment");
        var profiles = environment.Resource("Microsoft.App/managedEnvironments")["properties"]!["workloadProfiles"]!.AsArray()
            .ToDictionary(p => p!["name"]!.GetValue<string>(), p => p!["workloadProfileType"]!.GetValue<string>());
        var outputs = environment.Template.GetProperty("outputs");

        Assert.True(main.IsDeployed("trainer"));
        Assert.Equal(QueueNames.TrainShardKind, WorkerConfiguration(trainer)["Worker:Queues"]);
        Assert.Equal("train-shard-queue", Assert.Single(trainer["properties"]!["template"]!["scale"]!["rules"]!.AsArray())!["name"]!.GetValue<string>());
        Assert.Equal("«reference('containerAppsEnvironment').outputs.trainerProfileName.value»", trainer["properties"]!["workloadProfileName"]!.GetValue<string>());
        Assert.Equal(trainerProfile, environment.Evaluate(outputs.GetProperty("trainerProfileName").GetProperty("value"))!.GetValue<string>());
        Assert.Equal(string.IsNullOrEmpty(trainerGpu) ? "Consumption" : trainerGpu, profiles[trainerProfile]);
        // The worker's profile keeps its name and type whatever the trainer asks for.
        Assert.Equal(string.IsNullOrEmpty(workerGpu) ? "Consumption" : "gpu", environment.Evaluate(outputs.GetProperty("workerProfileName").GetProperty("value"))!.GetValue<string>());
        if (!string.IsNullOrEmpty(workerGpu))
            Assert.Equal(workerGpu, profiles["gpu"]);
        // Only the worker app is azd's `worker` service.
        Assert.Equal("worker", worker["tags"]!["azd-service-name"]!.GetValue<string>());
        Assert.Null(trainer["tags"]!["azd-service-name"]);
        Assert.NotEqual(worker["name"]!.GetValue<string>(), trainer["name"]!.GetValue<string>());
        Assert.StartsWith("«reference('workerImage')", trainer["properties"]!["template"]!["containers"]![0]!["image"]!.GetValue<string>());
    }

    public static TheoryData<string, string> Apps => new()
    {
        { "worker", "generate" },
        { "worker", "generate,tokenize" },
        { "trainer", "generate" },
    };

    /// <summary>
    /// The shutdown story of docs/deploy.md: on SIGTERM the host stops within its shutdown timeout, which ends
    /// early enough before SIGKILL to hand the message back; and every served queue's visibility timeout is at
    /// least 1.5 times the grace period, so a message last renewed (every third of its timeout) just before SIGTERM
    /// stays invisible for the whole grace period and no other replica starts it while the stopping one still works.
    /// </summary>
    [Theory]
    [MemberData(nameof(Apps))]
    public async Task Termination_grace_period_fits_the_hand_back_and_the_visibility_timeouts(string app, string workerQueues)
    {
        var (_, resource) = await AppAsync(app, new() { ["workerQueues"] = workerQueues, ["deployTrainer"] = true });
        var grace = resource["properties"]!["template"]!["terminationGracePeriodSeconds"]!.GetValue<long>();
        var configuration = WorkerConfiguration(resource);
        var shutdown = HostShutdownTimeout(configuration);

        Assert.InRange(grace, 30, MaxGracePeriodSeconds);
        Assert.True(shutdown >= TimeSpan.FromSeconds(30), $"host shutdown timeout {shutdown} is below the .NET default");
        Assert.True(TimeSpan.FromSeconds(grace) - shutdown > TimeSpan.FromSeconds(HandBackSeconds),
            $"host shutdown timeout {shutdown} leaves no room to hand back before SIGKILL at {grace} s");
        foreach (var kind in configuration["Worker:Queues"]!.Split(','))
        {
            var visibility = Setting(configuration, kind, "VisibilityTimeout", TimeSpan.Parse, TimeSpan.FromMinutes(2));
            Assert.InRange(visibility, TimeSpan.FromSeconds(1), TimeSpan.FromHours(2)); // WorkerOptions' range
            Assert.True(visibility.TotalSeconds * 2 / 3 >= grace,
                $"{kind}: visibility timeout {visibility} is under 1.5 x the {grace} s grace period");
        }
    }

    /// <summary>
    /// A stopping train-shard job first saves its current step (Training:StopCheckpointTimeout), then hands the message
    /// back: both must end before the host's shutdown timeout, which ends before SIGKILL. On the trainer the save gets
    /// most of the grace period (a large model's checkpoint takes a while), never the 20 s default.
    /// </summary>
    [Theory]
    [MemberData(nameof(Apps))]
    public async Task Stop_checkpoint_and_hand_back_fit_in_the_host_shutdown_timeout_which_fits_in_the_grace_period(string app, string workerQueues)
    {
        var (_, resource) = await AppAsync(app, new() { ["workerQueues"] = workerQueues, ["deployTrainer"] = true });
        var grace = TimeSpan.FromSeconds(resource["properties"]!["template"]!["terminationGracePeriodSeconds"]!.GetValue<long>());
        var configuration = WorkerConfiguration(resource);
        var shutdown = HostShutdownTimeout(configuration);
        var stopCheckpoint = TimeSpan.Parse(configuration["Training:StopCheckpointTimeout"] ?? "00:00:20", CultureInfo.InvariantCulture);

        Assert.True(shutdown < grace, $"host shutdown timeout {shutdown} is not shorter than the {grace} grace period");
        Assert.True(stopCheckpoint + TimeSpan.FromSeconds(HandBackSeconds) < shutdown,
            $"stop checkpoint {stopCheckpoint} and hand-back {HandBackSeconds} s do not fit in the host shutdown timeout {shutdown}");
        Assert.InRange(stopCheckpoint, TimeSpan.Zero, TimeSpan.FromMinutes(30)); // TrainingWorkerOptions' range
        if (app == "trainer")
            Assert.True(stopCheckpoint >= grace / 2, $"the trainer's stop checkpoint gets only {stopCheckpoint} of its {grace} grace period");
    }

    [Fact]
    public async Task Trainer_holds_one_message_per_replica_and_the_longest_grace_period()
    {
        var (_, trainer) = await AppAsync("trainer", new() { ["deployTrainer"] = true });
        var (_, worker) = await AppAsync("worker", new());
        var trainerConfiguration = WorkerConfiguration(trainer);
        var workerConfiguration = WorkerConfiguration(worker);
        var kind = QueueNames.TrainShardKind;

        Assert.Equal(1, Setting(trainerConfiguration, kind, "Concurrency", int.Parse, 1));
        Assert.Equal(1, Assert.Single(trainer["properties"]!["template"]!["scale"]!["rules"]!.AsArray())!["azureQueue"]!["queueLength"]!.GetValue<long>());
        // The budget a stopping trainer has to finish its checkpoint interval before handing the message back.
        Assert.Equal(MaxGracePeriodSeconds, trainer["properties"]!["template"]!["terminationGracePeriodSeconds"]!.GetValue<long>());
        // A hand-back (scale-in, new revision) is a delivery: a long job must survive more of them than a short one.
        Assert.True(Setting(trainerConfiguration, kind, "MaxDequeueCount", int.Parse, 5)
                    > Setting(workerConfiguration, QueueNames.GenerateKind, "MaxDequeueCount", int.Parse, 5));
    }

    [Fact]
    public async Task Per_queue_settings_reach_the_worker_under_their_kind()
    {
        var (_, worker) = await AppAsync("worker", new() { ["workerQueues"] = "generate,tokenize" });
        var configuration = WorkerConfiguration(worker);

        Assert.Equal(TimeSpan.FromMinutes(2), Setting(configuration, QueueNames.GenerateKind, "VisibilityTimeout", TimeSpan.Parse, TimeSpan.Zero));
        Assert.Equal(TimeSpan.FromMinutes(5), Setting(configuration, QueueNames.TokenizeKind, "VisibilityTimeout", TimeSpan.Parse, TimeSpan.Zero));
        Assert.Equal(1, Setting(configuration, QueueNames.TokenizeKind, "Concurrency", int.Parse, 0));
        // Container Apps accepts only letters, digits and '_' in environment variable names.
        Assert.All(Env(worker).Keys, name => Assert.Matches("^[A-Za-z_][A-Za-z0-9_]*$", name));
    }

    /// <summary>The main template evaluated with the given parameters (the azd-bound ones at their defaults).</summary>
    private static async Task<ArmScope> MainAsync(Dictionary<string, JsonNode?> parameters)
    {
        using var document = await CompiledTemplate.JsonAsync();
        parameters.TryAdd("environmentName", "lvm-test");
        parameters.TryAdd("location", "swedencentral");
        return ArmScope.ForTemplate(document.RootElement.Clone(), parameters);
    }

    /// <summary>
    /// A GPU worker fills big generation batches: 64 rows from up to 32 held messages, and KEDA adds a replica per 16
    /// generate messages. A CPU worker keeps the worker's defaults (16 rows, 8 messages) and scales out at 2.
    /// </summary>
    [Theory]
    [InlineData("", 2L, null, null)]
    [InlineData("Consumption-GPU-NC24-A100", 16L, "32", "64")]
    public async Task Generate_batching_and_scale_follow_the_worker_profile(string gpuProfile, long perReplica, string? receiveBatch, string? batchRows)
    {
        var (_, worker) = await AppAsync("worker", new() { ["workerQueues"] = "generate,tokenize", ["workerGpuProfile"] = gpuProfile });
        var configuration = WorkerConfiguration(worker);
        var generateRule = worker["properties"]!["template"]!["scale"]!["rules"]!.AsArray()
            .Single(r => r!["azureQueue"]!["queueName"]!.GetValue<string>() == QueueNames.GenerateKind)!;

        Assert.Equal(perReplica, generateRule["azureQueue"]!["queueLength"]!.GetValue<long>());
        Assert.Equal(receiveBatch, configuration[$"Worker:PerQueue:{QueueNames.GenerateKind}:ReceiveBatch"]);
        Assert.Equal(batchRows, configuration["Worker:Generate:BatchRows"]);
        Assert.Null(configuration[$"Worker:PerQueue:{QueueNames.TokenizeKind}:ReceiveBatch"]); // tokenize keeps one at a time
    }

    private static async Task<(ArmScope Module, JsonNode Resource)> AppAsync(string app, Dictionary<string, JsonNode?> parameters)
    {
        var main = await MainAsync(parameters);
        var module = main.Module(app);
        return (module, module.Resource(ContainerApps));
    }

    private static Dictionary<string, string> Env(JsonNode app) =>
        app["properties"]!["template"]!["containers"]![0]!["env"]!.AsArray()
            .ToDictionary(e => e!["name"]!.GetValue<string>(), e => e!["value"]!.GetValue<string>());

    /// <summary>
    /// The app's configuration as the worker's host builds it: environment variables (<c>__</c> for <c>:</c>;
    /// <c>DOTNET_</c> ones are host settings without the prefix), then the container's arguments.
    /// </summary>
    private static IConfiguration WorkerConfiguration(JsonNode app)
    {
        var env = Env(app).Select(e => e.Key.StartsWith("DOTNET_", StringComparison.OrdinalIgnoreCase)
            ? KeyValuePair.Create(e.Key["DOTNET_".Length..].Replace("__", ":"), (string?)e.Value)
            : KeyValuePair.Create(e.Key.Replace("__", ":"), (string?)e.Value));
        var args = app["properties"]!["template"]!["containers"]![0]!["args"]?.AsArray().Select(a => a!.GetValue<string>()).ToArray() ?? [];
        return new ConfigurationBuilder().AddInMemoryCollection(env).AddCommandLine(args).Build();
    }

    /// <summary>One queue's setting as WorkerOptions.SettingsFor resolves it: its override, else the worker-wide one.</summary>
    private static T Setting<T>(IConfiguration configuration, string kind, string name, Func<string, T> parse, T fallback)
    {
        var text = configuration[$"Worker:PerQueue:{kind}:{name}"] ?? configuration[$"Worker:{name}"];
        return text is null ? fallback : parse(text);
    }

    /// <summary>HostOptions.ShutdownTimeout of a host built on this configuration.</summary>
    private static TimeSpan HostShutdownTimeout(IConfiguration configuration)
    {
        var settings = new HostApplicationBuilderSettings { DisableDefaults = true, Configuration = new ConfigurationManager() };
        settings.Configuration.AddConfiguration(configuration);
        var builder = Host.CreateApplicationBuilder(settings);
        using var host = builder.Build();
        return host.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout;
    }

    private static string ParameterBinding(string parameter)
    {
        using var parameters = JsonDocument.Parse(InfraFiles.Read(Path.Combine(InfraFiles.Root, "main.parameters.json")));
        return parameters.RootElement.GetProperty("parameters").GetProperty(parameter).GetProperty("value").GetString()!;
    }
}
