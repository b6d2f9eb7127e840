using LvmCloud.Worker;
using LvmCloud.Worker.Telemetry;
using Microsoft.Extensions.Hosting;

LvmCloud.Vision.Native.TorchRuntime.EnsureLoaded();
var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddLvmModelCompleter();
builder.Services.AddLvmWorker();
builder.Services.AddLvmTelemetry(builder.Configuration, "lvm-worker");
builder.Build().Run();
