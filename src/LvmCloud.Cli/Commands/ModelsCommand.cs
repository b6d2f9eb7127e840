using LvmCloud.Cli.Commands.Models;

namespace LvmCloud.Cli.Commands;

/// <summary><c>lvm models list|plan|import|push|pull|presets</c>: registered models, memory plans, bringing checkpoints in, named sizes.</summary>
public sealed class ModelsCommand(ModelsListCommand list, ModelsPlanCommand plan, ModelsImportCommand import, ModelsPushCommand push, ModelsPullCommand pull, ModelsPresetsCommand presets)
    : LvmCommandGroup("models",
        "Models: the platform's registered models and its default (list), what a model needs in memory (plan), a model folder from " +
        "downloaded Hugging Face repositories (import), registering it on the platform (push), downloading a registered one (pull), and the named sizes (presets).",
        [list, plan, import, push, pull, presets]);
