namespace LvmCloud.Platform.Models;

/// <summary>
/// The model a batch without a model runs on (<c>Intake:DefaultModelName/Version</c>), as <c>GET /api/models</c> names it.
/// </summary>
/// <param name="Source">
/// <see cref="Registered"/> when that version is in the registry; <see cref="Bundled"/> when it is not, and workers use
/// the copy they carry in their models folder.
/// </param>
public sealed record DefaultModel(string Name, string Version, string Source)
{
    public const string Registered = "registered";
    public const string Bundled = "bundled";
}
