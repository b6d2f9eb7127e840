using LvmCloud.Functions.Functions;
using LvmCloud.Platform.Configuration;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace LvmCloud.LocalApi;

/// <summary>
/// Stands in for the Functions host's timer trigger: runs <see cref="TokenizeScheduleFunction"/> at each occurrence
/// of <c>Tokenize:Schedule</c> (NCRONTAB, six fields, UTC), unless <c>LocalApi:RunSchedule</c> is off.
/// </summary>
public sealed class TokenizeScheduleRunner(
    IServiceProvider services,
    IOptions<TokenizeOptions> tokenize,
    IOptions<LocalApiOptions> options,
    TimeProvider time,
    ILogger<TokenizeScheduleRunner> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.RunSchedule)
            return;
        var schedule = tokenize.Value.ParsedSchedule();
        logger.LogInformation("Scheduled retokenization on '{Schedule}'", tokenize.Value.Schedule);
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            var next = new DateTimeOffset(schedule.GetNextOccurrence(now.UtcDateTime), TimeSpan.Zero);
            try
            {
                await Task.Delay(next - now, time, stoppingToken);
                using var scope = services.CreateScope();
                await scope.ServiceProvider.GetRequiredService<TokenizeScheduleFunction>().Run(new TimerInfo(), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning("Scheduled retokenization failed ({Error}); the next occurrence tries again", e.Message);
            }
        }
    }
}
