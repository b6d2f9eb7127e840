using LvmCloud.Platform;
using LvmCloud.Platform.Configuration;
using LvmCloud.Platform.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LvmCloud.PlatformBench;

/// <summary>The platform's services (intake, state, storage clients) a benchmark drives, on in-memory settings.</summary>
internal static class BenchServices
{
    /// <summary>
    /// Builds them and creates the storage containers, queues and tables. With <paramref name="counter"/>, every
    /// request of their storage clients is counted.
    /// </summary>
    public static async Task<ServiceProvider> StartAsync(IReadOnlyDictionary<string, string?> settings, RequestCounter? counter = null)
    {
        var collection = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        if (counter is not null)
            collection.AddSingleton(sp => new StorageClients(sp.GetRequiredService<IOptions<StorageOptions>>().Value, null, counter.Configure));
        var services = collection.AddLvmPlatform().BuildServiceProvider();
        await services.GetRequiredService<StorageClients>().EnsureCreatedAsync(CancellationToken.None);
        return services;
    }
}
