using System.Globalization;

namespace LvmCloud.Cli.Commands.Platform;

/// <summary>Parses durations given on the command line: <c>30</c> (seconds), <c>30s</c>, <c>5m</c>, <c>2h</c>, <c>00:05:00</c>.</summary>
public static class Durations
{
    public static TimeSpan Parse(string text, string option)
    {
        var value = text.Trim();
        TimeSpan? parsed = value.Length == 0 ? null
            : value[^1] switch
            {
                's' => Number(value[..^1], TimeSpan.FromSeconds),
                'm' => Number(value[..^1], TimeSpan.FromMinutes),
                'h' => Number(value[..^1], TimeSpan.FromHours),
                _ when value.Contains(':') => TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var span) ? span : null,
                _ => Number(value, TimeSpan.FromSeconds),
            };
        return parsed is { } d && d > TimeSpan.Zero
            ? d
            : throw new UserInputException($"{option} '{text}' is not a positive duration (use seconds, 90s, 5m, 2h or hh:mm:ss).");
    }

    private static TimeSpan? Number(string digits, Func<double, TimeSpan> unit) =>
        double.TryParse(digits, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && double.IsFinite(n) && n > 0 && n < 1e7 ? unit(n) : null;
}
