using LvmCloud.Platform.Datasets;
using Microsoft.Azure.Functions.Worker;

namespace LvmCloud.Functions.Functions;

/// <summary>
/// The scheduled retokenization (NCRONTAB from <c>Tokenize:Schedule</c>): plans every dataset with the default
/// tokenizer, queueing the chunks that are new or changed; a run that finds nothing new enqueues nothing.
/// </summary>
public sealed class TokenizeScheduleFunction(TokenizeScheduler scheduler)
{
    [Function("TokenizeSchedule")]
    public async Task Run([TimerTrigger("%Tokenize:Schedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        await scheduler.RunAsync(cancellationToken);
}
