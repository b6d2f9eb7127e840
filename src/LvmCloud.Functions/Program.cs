using Azure.Monitor.OpenTelemetry.Exporter;
using LvmCloud.Platform;
using LvmCloud.Platform.Telemetry;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Services.AddLvmPlatform();

var appInsights = builder.Configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"];
var otlp = builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
var telemetry = builder.Services.AddOpenTelemetry().UseFunctionsWorkerDefaults()
    .WithTracing(t => t.AddSource(PlatformTelemetry.Name))
    .WithMetrics(m => m.AddMeter(PlatformTelemetry.Name));
if (!string.IsNullOrWhiteSpace(appInsights))
    telemetry.UseAzureMonitorExporter(o => o.ConnectionString = appInsights);
else if (!string.IsNullOrWhiteSpace(otlp))
    telemetry.UseOtlpExporter();

builder.Build().Run();
