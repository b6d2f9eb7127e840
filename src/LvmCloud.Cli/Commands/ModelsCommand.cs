using LvmCloud.Cli.Commands.Models;

namespace LvmCloud.Cli.Commands;

/// <summary><c>lvm models presets|list</c>: the named sizes, and the models registered on the platform.</summary>
public sealed class ModelsCommand() : LvmCommandGroup("models", "Models: the named sizes (presets) and the platform's registered models (list).",
[
    new ModelsPresetsCommand(),
    new ModelsListCommand(),
    new ModelsPlanCommand(),
]);
