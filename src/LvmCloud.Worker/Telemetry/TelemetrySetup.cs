using Azure.Monitor.OpenTelemetry.Exporter;
using LvmCloud.Platform.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace LvmCloud.Worker.Telemetry;

public static class TelemetrySetup
{
    /// <summary>
    /// Traces and metrics of <see cref="PlatformTelemetry"/>: to Azure Monitor when
    /// <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set, to OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is
    /// set, otherwise to the console.
    /// </summary>
    public static IServiceCollection AddLvmTelemetry(this IServiceCollection services, IConfiguration configuration, string serviceName)
    {
        var appInsights = configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"];
        var otlp = configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName))
            .WithTracing(tracing =>
            {
                tracing.AddSource(PlatformTelemetry.Name);
                if (!string.IsNullOrWhiteSpace(appInsights))
                    tracing.AddAzureMonitorTraceExporter(o => o.ConnectionString = appInsights);
                else if (!string.IsNullOrWhiteSpace(otlp))
                    tracing.AddOtlpExporter();
                else
                    tracing.AddConsoleExporter();
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(PlatformTelemetry.Name);
                if (!string.IsNullOrWhiteSpace(appInsights))
                    metrics.AddAzureMonitorMetricExporter(o => o.ConnectionString = appInsights);
                else if (!string.IsNullOrWhiteSpace(otlp))
                    metrics.AddOtlpExporter();
                else
                    metrics.AddConsoleExporter();
            });
        return services;
    }
}
