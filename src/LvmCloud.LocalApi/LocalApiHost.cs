using LvmCloud.Platform;

namespace LvmCloud.LocalApi;

/// <summary>
/// The platform's HTTP API and manifest trigger on one machine without the Azure Functions host: Kestrel routes the
/// API's routes to the Functions project's own function classes over the same platform services, and
/// <see cref="ManifestWatcher"/>, <see cref="DatasetWatcher"/> and <see cref="RunSpecWatcher"/> stand in for the Event Grid subscriptions, and
/// <see cref="TokenizeScheduleRunner"/> for the timer trigger. For developers without Azure Functions
/// Core Tools (<c>local/run-stack.sh</c> starts it then); in Azure the Functions app serves the same API.
/// </summary>
public static class LocalApiHost
{
    public const string DefaultUrl = "http://127.0.0.1:7071";

    /// <param name="settings">Configuration on top of the usual sources (tests pass their storage and queue prefix here).</param>
    public static WebApplication Build(string[] args, IDictionary<string, string?>? settings = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        if (settings is not null)
            builder.Configuration.AddInMemoryCollection(settings);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
            builder.WebHost.UseUrls(DefaultUrl);
        builder.Logging.ClearProviders().AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        builder.Services.AddLvmPlatform();
        builder.Services.AddOptions<LocalApiOptions>().BindConfiguration(LocalApiOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddMvcCore();
        builder.Services.AddFunctionClasses();
        builder.Services.AddSingleton<ManifestWatcher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ManifestWatcher>());
        builder.Services.AddSingleton<DatasetWatcher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DatasetWatcher>());
        builder.Services.AddHostedService<TokenizeScheduleRunner>();
        builder.Services.AddSingleton<RunSpecWatcher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RunSpecWatcher>());
        var app = builder.Build();
        app.UseFunctionKey();
        ApiRoutes.Map(app);
        return app;
    }
}
