namespace LvmCloud.Core.Storage;

/// <summary>The content type a blob gets from its file name (what browsers and the HTTP API serve it as).</summary>
public static class ContentTypes
{
    public const string Png = "image/png";
    public const string Json = "application/json";
    public const string JsonLines = "application/x-ndjson";
    public const string Html = "text/html; charset=utf-8";
    public const string Binary = "application/octet-stream";

    public static string For(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".png" => Png,
        ".json" => Json,
        ".jsonl" => JsonLines,
        ".html" => Html,
        ".csv" => "text/csv",
        ".txt" or ".md" => "text/plain; charset=utf-8",
        _ => Binary,
    };
}
