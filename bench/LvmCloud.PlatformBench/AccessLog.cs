using System.Text.RegularExpressions;
using LvmCloud.Platform.Storage;

namespace LvmCloud.PlatformBench;

/// <summary>
/// Counts the requests in Azurite's access log (one line per request it served, from every process), by service:
/// table requests name the table, <c>Tables</c> or <c>$batch</c>; queue requests a queue of the run's prefix;
/// the rest are blob requests. Receives (<c>GET …/messages</c>) are counted apart: the log does not say whether one
/// found a message, so the caller takes the deliveries the workers logged from them to find the empty ones.
/// </summary>
internal static partial class AccessLog
{
    // Azurite's access log is morgan's "common" format: ... "GET /devstoreaccount1/path?query HTTP/1.1" 200 123
    [GeneratedRegex("\"(?<method>[A-Z]+) /[^/ ]+/(?<path>[^ ]*) HTTP/[0-9.]+\" (?<status>[0-9]{3})")]
    private static partial Regex Line();

    /// <summary>Requests by service; <see cref="Receives"/> are queue requests too, not counted in <see cref="Queue"/>.</summary>
    public sealed record Counts(long Table, long Blob, long Queue, long Receives)
    {
        public static Counts operator -(Counts a, Counts b) => new(a.Table - b.Table, a.Blob - b.Blob, a.Queue - b.Queue, a.Receives - b.Receives);
    }

    public static Counts Count(IEnumerable<string> lines, string queuePrefix)
    {
        long table = 0, blob = 0, queue = 0, receives = 0;
        foreach (var line in lines)
        {
            var match = Line().Match(line);
            if (!match.Success)
                continue;
            var path = match.Groups["path"].Value;
            var first = path.Split('/', '?', '(')[0];
            if (first is StorageLayout.JobStateTable or "Tables" or "$batch")
                table++;
            else if (first.StartsWith(queuePrefix, StringComparison.Ordinal))
            {
                if (match.Groups["method"].Value == "GET" && path.Split('?')[0].EndsWith("/messages", StringComparison.Ordinal))
                    receives++;
                else
                    queue++;
            }
            else
                blob++;
        }
        return new Counts(table, blob, queue, receives);
    }
}
