using LvmCloud.Vision.Devices;
using LvmCloud.Worker;
using LvmCloud.Worker.Completion;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LvmCloud.Platform.Tests;

/// <summary><c>Worker:Device</c> and <c>Worker:DType</c> are checked when the worker starts, before any job runs.</summary>
public sealed class WorkerDeviceValidationTests
{
    [Fact]
    public void Cuda_on_a_build_or_machine_without_it_stops_the_worker_with_the_cause_and_the_fix()
    {
        if (ComputeDevice.CudaAvailable)
            return; // a GPU machine serves Worker:Device=cuda

        var error = Assert.Throws<OptionsValidationException>(() => Options(new() { ["Worker:Device"] = "cuda" }));

        Assert.Contains("CUDA was asked for (Worker:Device=cuda) but this build/machine has none: build with -p:TorchBackend=cuda", error.Message);
    }

    [Fact]
    public void Cpu_and_auto_start_with_any_accepted_dtype()
    {
        Assert.Equal("bfloat16", Options(new() { ["Worker:Device"] = "cpu", ["Worker:DType"] = "bfloat16" }).DType);
        Assert.Equal("auto", Options(new() { ["Worker:Device"] = "auto" }).DType);
    }

    [Theory]
    [InlineData("Worker:Device", "gpu")]
    [InlineData("Worker:DType", "fp16")]
    public void A_name_outside_the_choices_is_refused(string key, string value)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Options(new() { [key] = value }));

        Assert.Contains(key.Split(':')[1], error.Message);
    }

    [Fact]
    public void The_validation_is_part_of_the_worker()
    {
        using var services = Services(new());
        Assert.Contains(services.GetServices<IValidateOptions<WorkerOptions>>(), v => v is WorkerDeviceValidation);
    }

    private static WorkerOptions Options(Dictionary<string, string?> settings)
    {
        using var services = Services(settings);
        return services.GetRequiredService<IOptions<WorkerOptions>>().Value;
    }

    private static ServiceProvider Services(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration).AddLvmWorker().BuildServiceProvider();
    }
}
