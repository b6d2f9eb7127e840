using System.Globalization;
using System.Text;
using static System.Net.WebUtility;

namespace LvmCloud.Platform.Batches;

/// <summary>Renders the gallery page: a self-contained HTML document, every value HTML-encoded.</summary>
public static class GalleryHtml
{
    private const string Css = """
        body{font-family:system-ui,sans-serif;margin:1.5rem;background:#fafafa;color:#222}
        .summary span{margin-right:1rem}
        .item{display:flex;align-items:center;gap:.75rem;margin:.75rem 0;padding:.5rem;background:#fff;border:1px solid #ddd;border-radius:6px}
        .item h2{font-size:.9rem;width:10rem;margin:0;overflow-wrap:anywhere}
        .item img{width:96px;height:96px;object-fit:contain;image-rendering:pixelated;border:1px solid #ccc;background:#eee}
        .arrow{font-size:1.5rem;color:#888}
        .state{font-size:.8rem;padding:.1rem .4rem;border-radius:4px;background:#eee}
        .state.succeeded{background:#d7f5d7}.state.failed{background:#f8d7d7}.state.cancelled{background:#eee}
        .error{color:#a00;font-size:.85rem}
        """;

    public static string Render(BatchStatus status, IReadOnlyList<GalleryItem> items)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">");
        html.Append("<title>Batch ").Append(HtmlEncode(status.BatchId)).Append("</title>");
        html.Append("<style>").Append(Css).Append("</style></head><body>");
        html.Append("<h1>Batch <code>").Append(HtmlEncode(status.BatchId)).Append("</code></h1>");
        html.Append("<p class=\"summary\" id=\"summary\"><span>State: <b data-batch-state>").Append(HtmlEncode(status.State)).Append("</b></span>");
        foreach (var (state, count) in status.Counts)
            html.Append("<span>").Append(HtmlEncode(state)).Append(": <b data-count=\"").Append(HtmlEncode(state)).Append("\">")
                .Append(count.ToString(CultureInfo.InvariantCulture)).Append("</b></span>");
        html.Append("<span>Progress: ").Append((status.Progress * 100).ToString("0", CultureInfo.InvariantCulture)).Append("%</span></p>");

        foreach (var item in items)
        {
            html.Append("<section class=\"item\" data-item=\"").Append(HtmlEncode(item.Id)).Append("\">");
            html.Append("<h2>").Append(HtmlEncode(item.Id)).Append(" <span class=\"state ").Append(HtmlEncode(item.State)).Append("\">")
                .Append(HtmlEncode(item.State)).Append("</span></h2>");
            foreach (var (uri, index) in item.Prompts.Select((u, i) => (u, i)))
                AppendImage(html, uri, "prompt", $"{item.Id} prompt {index + 1}");
            html.Append("<span class=\"arrow\" aria-hidden=\"true\">&rarr;</span>");
            foreach (var (uri, index) in item.Completions.Select((u, i) => (u, i)))
                AppendImage(html, uri, "completion", $"{item.Id} completion {index + 1}");
            if (item.Error is not null)
                html.Append("<p class=\"error\">").Append(HtmlEncode(item.Error)).Append("</p>");
            html.Append("</section>");
        }

        html.Append("</body></html>");
        return html.ToString();
    }

    private static void AppendImage(StringBuilder html, Uri uri, string role, string alt) =>
        html.Append("<img class=\"").Append(role).Append("\" src=\"").Append(HtmlEncode(uri.AbsoluteUri))
            .Append("\" alt=\"").Append(HtmlEncode(alt)).Append("\">");
}
