namespace LvmCloud.Vision.Devices;

/// <summary>A setting and its value as the user wrote them: <c>--device cuda</c> on a command line, <c>Worker:Device=cuda</c> in configuration.</summary>
internal static class SettingValue
{
    public static string Format(string setting, string value) =>
        setting.StartsWith('-') ? $"{setting} {value}" : $"{setting}={value}";
}
