using LvmCloud.Core.Images;

namespace LvmCloud.Core.Sentences;

/// <summary>
/// Writes generated sentences as a dataset folder: <c>s{n:D6}/{i:D2}.png</c> per image and
/// a <c>sentences.jsonl</c> that lists them, ready for tokenization.
/// </summary>
public static class SentenceDatasetWriter
{
    public const string SentencesFileName = "sentences.jsonl";

    /// <returns>How many sentences were written.</returns>
    public static int Write(string folder, IEnumerable<GeneratedSentence> sentences)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(sentences);
        Directory.CreateDirectory(folder);
        int n = 0;
        using var index = new StreamWriter(Path.Combine(folder, SentencesFileName), append: false, new System.Text.UTF8Encoding(false));
        foreach (GeneratedSentence sentence in sentences)
        {
            string sentenceFolder = $"s{n:D6}";
            var paths = new List<string>(sentence.Images.Count);
            for (int i = 0; i < sentence.Images.Count; i++)
            {
                string relative = $"{sentenceFolder}/{i:D2}.png";
                ImageWriter.SavePng(sentence.Images[i], Path.Combine(folder, sentenceFolder, $"{i:D2}.png"));
                paths.Add(relative);
            }

            index.Write(VisualSentenceParser.Format(paths, sentence.Kind));
            index.Write('\n');
            n++;
        }

        return n;
    }
}
