using LvmCloud.Cli.Commands.Models;

namespace LvmCloud.Cli.Commands;

/// <summary><c>lvm models presets|list|plan|import|push</c>: named sizes, registered models, memory plans, bringing checkpoints in.</summary>
public sealed class ModelsCommand() : LvmCommandGroup("models",
    "Models: the named sizes (presets), the platform's registered models (list), what a model needs in memory (plan), " +
    "a model folder from downloaded Hugging Face repositories (import), and registering it on the platform (push).",
[
    new ModelsPresetsCommand(),
    new ModelsListCommand(),
    new ModelsPlanCommand(),
    new ModelsImportCommand(),
    new ModelsPushCommand(),
]);
