using LvmCloud.Worker;
using LvmCloud.Worker.Telemetry;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddLvmWorker();
builder.Services.AddLvmTelemetry(builder.Configuration, "lvm-worker");
builder.Build().Run();
