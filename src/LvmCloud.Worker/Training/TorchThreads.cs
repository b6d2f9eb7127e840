using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace LvmCloud.Worker.Training;

/// <summary>Sets libtorch's thread count at start when <see cref="TrainingWorkerOptions.TorchThreads"/> asks for one (the setting is process-wide).</summary>
internal sealed class TorchThreads(IOptions<TrainingWorkerOptions> options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.TorchThreads > 0)
            TorchSharp.torch.set_num_threads(options.Value.TorchThreads);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
