using System.Text;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LvmCloud.Core.Manifests;
using LvmCloud.Core.Paths;
using LvmCloud.Core.Sentences;

namespace LvmCloud.Core.Tests.Properties;

/// <summary>
/// Properties of the manifest parser and the path rules over generated input: no input makes them throw (a bad line
/// is an <see cref="InvalidLine"/>, never an exception), every line is accounted for, and no accepted path leaves the
/// batch, whether joined to a folder or to a blob prefix.
/// </summary>
public sealed class ManifestPropertyTests
{
    private const string Root = "/srv/batches/b1/inputs";
    private static readonly Uri BlobPrefix = new("https://account.blob.core.windows.net/batches/b1/inputs/");

    /// <summary>Pieces hostile paths are made of: traversal, separators, schemes, drives, encodings, controls, bidi marks.</summary>
    private static readonly string[] PathPieces =
    [
        "a", "b.png", "img 1.png", "x-y_z.jpg", "..", ".", "...", "/", "//", "\\", "\\\\", "C:", "c:\\", "http:", "https://h/",
        "file:", "file:///", "~", " ", "%2e%2e", "%2f", "\u0000", "\u0007", "\n", "\r", "\t", "\u202e", "\u00e9", "\uff0e\uff0e",
        "\ud83d\ude00", "\ud800", ":", "?", "#", "*", "|", "\"", "<", ">", "$HOME", "con", "nul.png", new string('a', 300),
    ];

    private static readonly string[] Keys =
    [
        "id", "input", "output", "target", "n_new_frames", "n_candidates", "temperature", "top_p", "top_k", "seed",
        "resize", "resize_output", "defaults", "colour", "", "ID", "input ",
    ];

    private static Gen<string> PathGen() =>
        Gen.Elements(PathPieces).ListOf().Select(parts => string.Concat(parts.Take(12)));

    private static Gen<object?> ValueGen(int depth) => Gen.OneOf(
        PathGen().Select(s => (object?)s),
        Gen.Elements<object?>(null, true, false, 0, -1, 1, 2, 8, 9, 5000, int.MaxValue, long.MaxValue, -0.0, 0.5, 1.0, 1e308, "stretch", "original", "center-crop"),
        PathGen().ListOf().Select(list => (object?)list.Take(20).ToList()),
        depth > 0 ? ObjectGen(depth - 1).Select(o => (object?)o) : Gen.Constant<object?>("leaf"));

    private static Gen<Dictionary<string, object?>> ObjectGen(int depth) =>
        Gen.Elements(Keys).SelectMany(key => ValueGen(depth).Select(value => (key, value))).ListOf()
            .Select(pairs => pairs.Take(10).GroupBy(p => p.key).ToDictionary(g => g.Key, g => g.First().value));

    /// <summary>A manifest line: mostly JSON objects made of manifest keys and hostile values, sometimes raw text.</summary>
    private static Gen<string> LineGen() => Gen.Frequency(
        (6, ObjectGen(2).Select(o => JsonSerializer.Serialize(o))),
        (1, PathGen()),
        (1, ArbMap.Default.ArbFor<string>().Generator.Select(s => s ?? "")),
        (1, Gen.Elements("{", "}", "[]", "null", "1", "\"s\"", "{\"input\": [\"a.png\"]", "{\"defaults\": {}}", "{\"defaults\": {\"n_candidates\": 99}}", "\uFEFF{}", "{\"input\": [\"a.png\"], \"input\": [\"b.png\"]}")));

    private static Arbitrary<string[]> Manifests() => LineGen().ListOf().Select(lines => lines.Take(40).ToArray()).ToArbitrary();

    [Property(MaxTest = 400)]
    public Property Parser_never_throws_and_accounts_for_every_line() => Prop.ForAll(Manifests(), lines =>
    {
        string jsonl = string.Join('\n', lines);
        ParsedManifest parsed = BatchManifestParser.Parse(jsonl, null, ManifestLimits.Default);
        int contentLines = jsonl.Split('\n').Count(l => !string.IsNullOrWhiteSpace(l.TrimEnd('\r')));
        // Each non-blank line is an item, an invalid line, or the accepted defaults line.
        return parsed.Items.Count + parsed.Invalid.Count + (IsAcceptedDefaultsLine(jsonl, parsed) ? 1 : 0) == contentLines
               && parsed.Invalid.All(i => i.Reason.Length > 0 && i.Error.Length > 0);
    });

    [Property(MaxTest = 300)]
    public Property Parser_with_hostile_batch_json_never_throws() => Prop.ForAll(LineGen().ToArbitrary(), Manifests(), (batchJson, lines) =>
    {
        ParsedManifest parsed = BatchManifestParser.Parse(string.Join('\n', lines), batchJson, ManifestLimits.Default);
        return parsed.Invalid.All(i => i.Reason.Length > 0) && parsed.Items.All(i => i.Id.Length is > 0 and <= 64);
    });

    [Property(MaxTest = 400)]
    public Property Accepted_manifest_paths_stay_inside_the_batch() => Prop.ForAll(PathGen().ListOf().ToArbitrary(), paths =>
    {
        var lines = paths.Take(30).Select((p, i) => JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["id"] = $"i{i}",
            ["input"] = new[] { p },
            ["target"] = new[] { p },
            ["output"] = p.EndsWith(".png", StringComparison.Ordinal) ? p : p + ".png",
        }));
        ParsedManifest parsed = BatchManifestParser.Parse(string.Join('\n', lines), null, ManifestLimits.Default);
        return parsed.Items.All(item => item.Input.Concat(item.Target).Append(item.Output).All(StaysInside));
    });

    [Property(MaxTest = 1000)]
    public Property Path_rules_never_throw_and_accepted_paths_stay_inside() => Prop.ForAll(
        Gen.OneOf(PathGen(), ArbMap.Default.ArbFor<string>().Generator).ToArbitrary(), path =>
        {
            PathProblem? problem = RelativePath.Check(path);
            return problem is null
                ? StaysInside(path!)
                : problem.Reason.StartsWith("path-", StringComparison.Ordinal) && problem.Message.Length > 0;
        });

    [Property(MaxTest = 300)]
    public Property Sentence_parser_never_throws_and_accepted_images_stay_inside() => Prop.ForAll(Manifests(), lines =>
    {
        // sentences.jsonl lines are manifest-like: the same generator with "images" in place of "input".
        string jsonl = string.Join('\n', lines.Select(l => l.Replace("\"input\"", "\"images\"", StringComparison.Ordinal)));
        ParsedSentences parsed = VisualSentenceParser.Parse(jsonl);
        int contentLines = jsonl.Split('\n').Count(l => !string.IsNullOrWhiteSpace(l.TrimEnd('\r')));
        return parsed.Sentences.Count + parsed.Invalid.Count == contentLines
               && parsed.Invalid.All(i => i.Reason.Length > 0 && i.Error.Length > 0)
               && parsed.Sentences.All(sentence => sentence.Images.All(StaysInside));
    });

    [Fact]
    public void Stays_inside_refuses_what_leaves_the_batch()
    {
        // The property's own check must be able to fail.
        Assert.False(StaysInside("../b2/inputs/a.png"));
        Assert.False(StaysInside("/etc/passwd"));
        Assert.False(StaysInside("a/../../x.png"));
        Assert.True(StaysInside("a/b.png"));
    }

    /// <summary>Joined to a folder and to a blob URL prefix, the path resolves to something under it (and not to it).</summary>
    private static bool StaysInside(string path)
    {
        string full = Path.GetFullPath(Path.Combine(Root, path));
        bool inFolder = full.StartsWith(Root + "/", StringComparison.Ordinal) && full.Length > Root.Length + 1;
        bool inPrefix = Uri.TryCreate(BlobPrefix, path, out Uri? blob)
                        && blob.Scheme == BlobPrefix.Scheme && blob.Host == BlobPrefix.Host
                        && blob.AbsolutePath.StartsWith(BlobPrefix.AbsolutePath, StringComparison.Ordinal)
                        && blob.AbsolutePath.Length > BlobPrefix.AbsolutePath.Length;
        return inFolder && inPrefix;
    }

    private static bool IsAcceptedDefaultsLine(string jsonl, ParsedManifest parsed)
    {
        string? first = jsonl.Split('\n').Select(l => l.TrimEnd('\r')).FirstOrDefault(l => !string.IsNullOrWhiteSpace(l));
        if (first is null || Encoding.UTF8.GetByteCount(first) > ManifestLimits.Default.MaxLineBytes)
            return false;
        bool isDefaults;
        try
        {
            var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(first));
            isDefaults = reader.Read() && reader.TokenType == JsonTokenType.StartObject && reader.Read()
                         && reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("defaults");
        }
        catch (JsonException)
        {
            isDefaults = false;
        }
        return isDefaults && !parsed.Invalid.Any(i => i.LineNumber == FirstLineNumber(jsonl));
    }

    private static int FirstLineNumber(string jsonl)
    {
        string[] lines = jsonl.Split('\n');
        for (int i = 0; i < lines.Length; i++)
            if (!string.IsNullOrWhiteSpace(lines[i].TrimEnd('\r')))
                return i + 1;
        return 0;
    }
}
