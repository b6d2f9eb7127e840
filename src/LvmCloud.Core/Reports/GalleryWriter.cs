using System.Globalization;
using System.Net;
using System.Text;
using LvmCloud.Core.Paths;
using LvmCloud.Core.Results;

namespace LvmCloud.Core.Reports;

/// <summary>
/// Renders a batch as one self-contained HTML page (inline CSS, no scripts, no
/// external assets): a summary, then per item its id, status, error, prompt
/// thumbnails, candidate outputs, targets, contact sheet, seed, perplexity and
/// timings. All text is HTML-escaped. Image links must be relative paths
/// (<see cref="RelativePath"/> rules, optionally after leading <c>../</c> segments);
/// anything else is shown as text, never linked.
/// </summary>
public static class GalleryWriter
{
    private const string Style = """
        body{font-family:system-ui,sans-serif;margin:1.5rem;background:#fafafa;color:#222}
        h1{font-size:1.4rem}
        .summary span{margin-right:1rem}
        .item{background:#fff;border:1px solid #ddd;border-radius:6px;padding:1rem;margin:1rem 0}
        .item h2{font-size:1.05rem;margin:0 0 .5rem;font-family:monospace}
        .status{display:inline-block;padding:.1rem .5rem;border-radius:4px;font-size:.85rem;margin-left:.5rem}
        .succeeded{background:#d8f5d8}.failed{background:#f8d7d7}.cancelled{background:#eee}
        .error{color:#a00;white-space:pre-wrap;font-family:monospace}
        .row{display:flex;flex-wrap:wrap;gap:6px;align-items:flex-start;margin:.3rem 0}
        .row .label{width:6rem;font-size:.85rem;color:#555}
        img{width:128px;height:auto;image-rendering:pixelated;border:1px solid #ccc;background:#fff}
        img.sheet{width:auto;max-width:100%}
        .meta{font-size:.85rem;color:#444}
        """;

    public static string Write(string batchTitle, IReadOnlyList<GalleryEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(batchTitle);
        ArgumentNullException.ThrowIfNull(entries);
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        html.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        html.Append("<title>").Append(Escape(batchTitle)).Append("</title>\n");
        html.Append("<style>\n").Append(Style).Append("</style>\n</head>\n<body>\n");
        html.Append("<h1>").Append(Escape(batchTitle)).Append("</h1>\n");
        AppendSummary(html, entries);
        foreach (GalleryEntry entry in entries)
        {
            AppendItem(html, entry);
        }

        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    public static string Write(string batchTitle, IEnumerable<ResultRecord> results) =>
        Write(batchTitle, [.. results.Select(r => new GalleryEntry(r, [], []))]);

    private static void AppendSummary(StringBuilder html, IReadOnlyList<GalleryEntry> entries)
    {
        html.Append("<p class=\"summary\">");
        html.Append("<span>").Append(entries.Count).Append(" items</span>");
        foreach (ResultStatus status in Enum.GetValues<ResultStatus>())
        {
            int count = entries.Count(e => e.Result.Status == status);
            html.Append("<span class=\"status ").Append(StatusName(status)).Append("\">")
                .Append(count).Append(' ').Append(StatusName(status)).Append("</span>");
        }

        html.Append("</p>\n");
    }

    private static void AppendItem(StringBuilder html, GalleryEntry entry)
    {
        ResultRecord result = entry.Result;
        string status = StatusName(result.Status);
        html.Append("<section class=\"item\" id=\"item-").Append(Escape(result.Id)).Append("\">\n");
        html.Append("<h2>").Append(Escape(result.Id))
            .Append("<span class=\"status ").Append(status).Append("\">").Append(status).Append("</span></h2>\n");
        if (result.Error is not null || result.ErrorCode is not null)
        {
            html.Append("<p class=\"error\">");
            if (result.ErrorCode is not null)
            {
                html.Append('[').Append(Escape(result.ErrorCode)).Append("] ");
            }

            html.Append(Escape(result.Error ?? string.Empty)).Append("</p>\n");
        }

        AppendImages(html, "prompt", entry.PromptLinks);
        AppendImages(html, "outputs", result.Outputs);
        AppendImages(html, "target", entry.TargetLinks);
        if (result.ContactSheet is not null)
        {
            html.Append("<div class=\"row\"><span class=\"label\">contact sheet</span>");
            AppendImage(html, result.ContactSheet, "sheet");
            html.Append("</div>\n");
        }

        AppendMeta(html, result);
        html.Append("</section>\n");
    }

    private static void AppendImages(StringBuilder html, string label, IReadOnlyList<string> links)
    {
        if (links.Count == 0)
        {
            return;
        }

        html.Append("<div class=\"row\"><span class=\"label\">").Append(label).Append("</span>");
        foreach (string link in links)
        {
            AppendImage(html, link, null);
        }

        html.Append("</div>\n");
    }

    private static void AppendImage(StringBuilder html, string link, string? cssClass)
    {
        string? href = SafeHref(link);
        if (href is null)
        {
            html.Append("<code>").Append(Escape(link)).Append("</code>");
            return;
        }

        html.Append("<a href=\"").Append(href).Append("\"><img src=\"").Append(href).Append("\" alt=\"")
            .Append(Escape(link)).Append('"');
        if (cssClass is not null)
        {
            html.Append(" class=\"").Append(cssClass).Append('"');
        }

        html.Append(" loading=\"lazy\"></a>");
    }

    private static void AppendMeta(StringBuilder html, ResultRecord result)
    {
        var parts = new List<string>();
        if (result.Seed is { } seed)
        {
            parts.Add($"seed {seed.ToString(CultureInfo.InvariantCulture)}");
        }

        if (result.Perplexity is { } perplexity)
        {
            parts.Add($"perplexity {perplexity.ToString("0.###", CultureInfo.InvariantCulture)}");
        }

        if (result.Timings is { } t)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture,
                $"total {t.TotalMs:0} ms (load {t.LoadMs:0}, tokenize {t.TokenizeMs:0}, generate {t.GenerateMs:0}, decode {t.DecodeMs:0})"));
        }

        if (parts.Count > 0)
        {
            html.Append("<p class=\"meta\">").Append(Escape(string.Join(" · ", parts))).Append("</p>\n");
        }
    }

    /// <summary>An escaped, percent-encoded href for a relative link, or null if the link is not a safe relative path.</summary>
    internal static string? SafeHref(string link)
    {
        string rest = link;
        int ups = 0;
        while (rest.StartsWith("../", StringComparison.Ordinal))
        {
            rest = rest[3..];
            ups++;
        }

        if (RelativePath.Check(rest) is not null)
        {
            return null;
        }

        string encoded = string.Join('/', rest.Split('/').Select(Uri.EscapeDataString));
        return Escape(string.Concat(Enumerable.Repeat("../", ups)) + encoded);
    }

    private static string StatusName(ResultStatus status) => status switch
    {
        ResultStatus.Succeeded => "succeeded",
        ResultStatus.Failed => "failed",
        ResultStatus.Cancelled => "cancelled",
        _ => "unknown",
    };

    private static string Escape(string text) => WebUtility.HtmlEncode(text);
}
