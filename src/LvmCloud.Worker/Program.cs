using LvmCloud.Worker;
using LvmCloud.Worker.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

LvmCloud.Vision.Native.TorchRuntime.EnsureLoaded();
var builder = Host.CreateApplicationBuilder(args);
builder.Logging.ClearProviders().AddLvmConsole();
builder.Services.AddLvmModels();
builder.Services.AddLvmWorker();
builder.Services.AddLvmTelemetry(builder.Configuration, "lvm-worker");
builder.Build().Run();
