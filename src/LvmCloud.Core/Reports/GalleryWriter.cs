using System.Globalization;
using System.Net;
using System.Text;
using LvmCloud.Core.Paths;
using LvmCloud.Core.Results;

namespace LvmCloud.Core.Reports;

/// <summary>
/// Renders a batch as one HTML page (inline CSS, no scripts), the one gallery of the product: <c>lvm complete</c>
/// and <c>lvm fetch</c> write it beside the results, <c>GET /api/batches/{id}/gallery</c> serves it. A summary
/// (state, counts), then per item its id, status, error, prompt thumbnails, candidate outputs, targets, a link to
/// its contact sheet, seed, perplexity and timings. All text is HTML-escaped. Entries name images by paths relative
/// to the batch (<see cref="RelativePath"/> rules, optionally after leading <c>../</c> segments); a link resolver
/// turns each into the URL the page uses (by default the path itself, a relative link; the HTTP API gives
/// short-lived SAS URLs). A path that is not a safe relative path, or that the resolver refuses, is shown as text,
/// never linked.
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

    /// <param name="batchTitle">Page title and heading.</param>
    /// <param name="entries">The items, in the order shown.</param>
    /// <param name="resolveLink">
    /// Maps a safe relative path to the URL written into the page (null: not linked). Default: the path itself.
    /// </param>
    /// <param name="batchState">The batch's state for the summary (e.g. <c>finished</c>), when known.</param>
    public static string Write(string batchTitle, IReadOnlyList<GalleryEntry> entries, Func<string, string?>? resolveLink = null, string? batchState = null)
    {
        ArgumentNullException.ThrowIfNull(batchTitle);
        ArgumentNullException.ThrowIfNull(entries);
        var links = new Links(resolveLink);
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        html.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        html.Append("<title>").Append(Escape(batchTitle)).Append("</title>\n");
        html.Append("<style>\n").Append(Style).Append("</style>\n</head>\n<body>\n");
        html.Append("<h1>").Append(Escape(batchTitle)).Append("</h1>\n");
        AppendSummary(html, entries, batchState);
        foreach (GalleryEntry entry in entries)
        {
            AppendItem(html, entry, links);
        }

        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    public static string Write(string batchTitle, IEnumerable<ResultRecord> results, Func<string, string?>? resolveLink = null, string? batchState = null) =>
        Write(batchTitle, [.. results.Select(r => new GalleryEntry(r, [], []))], resolveLink, batchState);

    private static void AppendSummary(StringBuilder html, IReadOnlyList<GalleryEntry> entries, string? batchState)
    {
        html.Append("<p class=\"summary\" id=\"summary\">");
        if (batchState is not null)
        {
            html.Append("<span>state <b data-batch-state>").Append(Escape(batchState)).Append("</b></span>");
        }

        html.Append("<span>").Append(entries.Count).Append(" items</span>");
        foreach (ResultStatus status in Enum.GetValues<ResultStatus>())
        {
            int count = entries.Count(e => e.Result.Status == status);
            string label = $"{count} {StatusName(status)}";
            html.Append("<span class=\"status ").Append(StatusName(status)).Append("\" aria-label=\"").Append(label).Append("\"><b data-count=\"").Append(StatusName(status)).Append("\">")
                .Append(count).Append("</b> ").Append(StatusName(status)).Append("</span>");
        }

        html.Append("</p>\n");
    }

    private static void AppendItem(StringBuilder html, GalleryEntry entry, Links links)
    {
        ResultRecord result = entry.Result;
        string status = StatusName(result.Status);
        html.Append("<section class=\"item\" id=\"item-").Append(Escape(result.Id)).Append("\" data-item=\"").Append(Escape(result.Id)).Append("\">\n");
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

        AppendImages(html, "prompt", "prompt", entry.PromptLinks, links);
        AppendImages(html, "outputs", "completion", result.Outputs, links);
        AppendImages(html, "target", "target", entry.TargetLinks, links);
        if (result.ContactSheet is not null)
        {
            // The sheet repeats the images above in one picture for sharing: linked, not shown again.
            html.Append("<div class=\"row\"><span class=\"label\">contact sheet</span>");
            if (links.Resolve(result.ContactSheet) is { } href)
            {
                html.Append("<a class=\"sheet\" href=\"").Append(href).Append("\">").Append(Escape(Path.GetFileName(result.ContactSheet))).Append("</a>");
            }
            else
            {
                html.Append("<code>").Append(Escape(result.ContactSheet)).Append("</code>");
            }

            html.Append("</div>\n");
        }

        AppendMeta(html, result);
        html.Append("</section>\n");
    }

    private static void AppendImages(StringBuilder html, string label, string role, IReadOnlyList<string> paths, Links links)
    {
        if (paths.Count == 0)
        {
            return;
        }

        html.Append("<div class=\"row\"><span class=\"label\">").Append(label).Append("</span>");
        foreach (string path in paths)
        {
            AppendImage(html, path, role, links);
        }

        html.Append("</div>\n");
    }

    private static void AppendImage(StringBuilder html, string path, string role, Links links)
    {
        string? href = links.Resolve(path);
        if (href is null)
        {
            html.Append("<code>").Append(Escape(path)).Append("</code>");
            return;
        }

        html.Append("<a href=\"").Append(href).Append("\"><img src=\"").Append(href).Append("\" class=\"").Append(role).Append("\" alt=\"")
            .Append(Escape(path)).Append("\" loading=\"lazy\"></a>");
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

    /// <summary>Checks paths and escapes what the resolver gives for them.</summary>
    private sealed class Links(Func<string, string?>? resolve)
    {
        public string? Resolve(string path)
        {
            if (resolve is null)
            {
                return SafeHref(path);
            }

            if (RelativePath.Check(path) is not null)
            {
                return null;
            }

            string? url = resolve(path);
            return url is null ? null : Escape(url);
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
