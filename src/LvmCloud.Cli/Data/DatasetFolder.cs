using LvmCloud.Core.Datasets;
using LvmCloud.Core.Storage;

namespace LvmCloud.Cli.Data;

/// <summary>
/// Opens a local dataset folder for the commands. The library reports bad lines and goes on (what a platform job
/// needs); on one machine a bad <c>sentences.jsonl</c> line is an error to fix before training on the data, so the
/// commands refuse such a file, as they always have. Sentences with a bad image are skipped and reported.
/// </summary>
public static class DatasetFolder
{
    /// <exception cref="FileNotFoundException">The folder has no <c>sentences.jsonl</c>.</exception>
    /// <exception cref="InvalidDataException">A line is invalid, or no line lists a sentence.</exception>
    public static async Task<SentenceDataset> OpenAsync(string folder, CancellationToken cancellationToken)
    {
        var dataset = await SentenceDataset.OpenAsync(new FolderStore(folder), SentenceDatasetOptions.Default, cancellationToken);
        if (dataset.Invalid.Count > 0)
            throw new InvalidDataException($"'{dataset.SentencesFile}' has {dataset.Invalid.Count} invalid line(s); {dataset.Invalid[0].Message}");
        if (dataset.Sentences.Count == 0) throw new InvalidDataException($"'{dataset.SentencesFile}' lists no sentences.");
        return dataset;
    }
}
