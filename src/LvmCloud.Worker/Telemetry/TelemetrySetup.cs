using Azure.Monitor.OpenTelemetry.Exporter;
using LvmCloud.Platform.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace LvmCloud.Worker.Telemetry;

public static class TelemetrySetup
{
    /// <summary>Setting that sends spans and metrics to the console as well (for looking at them locally; off by default).</summary>
    public const string ConsoleExporterSetting = "Telemetry:ConsoleExporter";

    /// <summary>
    /// Traces and metrics of <see cref="PlatformTelemetry"/>: to Azure Monitor when
    /// <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set, to OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is
    /// set, to the console only when <c>Telemetry:ConsoleExporter</c> is true (spans and metric dumps would bury
    /// the log lines a person reads). With none of these, they are recorded for nobody.
    /// </summary>
    public static IServiceCollection AddLvmTelemetry(this IServiceCollection services, IConfiguration configuration, string serviceName)
    {
        var appInsights = configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"];
        var otlp = configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        var console = configuration.GetValue<bool>(ConsoleExporterSetting);
        if (string.IsNullOrWhiteSpace(appInsights) && string.IsNullOrWhiteSpace(otlp) && !console)
            return services;
        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName))
            .WithTracing(tracing =>
            {
                tracing.AddSource(PlatformTelemetry.Name);
                if (!string.IsNullOrWhiteSpace(appInsights))
                    tracing.AddAzureMonitorTraceExporter(o => o.ConnectionString = appInsights);
                else if (!string.IsNullOrWhiteSpace(otlp))
                    tracing.AddOtlpExporter();
                if (console)
                    tracing.AddConsoleExporter();
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(PlatformTelemetry.Name);
                if (!string.IsNullOrWhiteSpace(appInsights))
                    metrics.AddAzureMonitorMetricExporter(o => o.ConnectionString = appInsights);
                else if (!string.IsNullOrWhiteSpace(otlp))
                    metrics.AddOtlpExporter();
                if (console)
                    metrics.AddConsoleExporter();
            });
        return services;
    }

    /// <summary>One line per log entry (time, level, category, message), the format the job log lines are written for.</summary>
    public static ILoggingBuilder AddLvmConsole(this ILoggingBuilder logging) =>
        logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
            o.ColorBehavior = LoggerColorBehavior.Disabled;
        });
}
