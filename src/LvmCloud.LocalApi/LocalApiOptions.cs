using System.ComponentModel.DataAnnotations;

namespace LvmCloud.LocalApi;

/// <summary>How the local API host listens and stands in for the Functions host's triggers.</summary>
public sealed record LocalApiOptions
{
    public const string Section = "LocalApi";

    /// <summary>A key every request must carry (<c>x-functions-key</c> or <c>?code=</c>), as function-level auth does; empty: none, as <c>func start</c> locally.</summary>
    public string FunctionKey { get; init; } = "";

    /// <summary>How often the <c>batches</c> container is looked at for new manifests (the Event Grid subscription's stand-in).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan ManifestPollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How often the <c>datasets</c> container is looked at for new or changed <c>sentences.jsonl</c> files (the dataset trigger's stand-in).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan DatasetPollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Run the scheduled retokenization on <c>Tokenize:Schedule</c>, as the Functions timer does (off: only uploads and the API plan).</summary>
    public bool RunSchedule { get; init; } = true;

    /// <summary>Ignore manifests written before the host started (for a shared storage account); by default a restarted host plans what arrived while it was down.</summary>
    public bool OnlyNewManifests { get; init; }
}
