using System.CommandLine;
using LvmCloud.Cli.Interaction;
using LvmCloud.Cli.Output;
using LvmCloud.Vision.Models;

namespace LvmCloud.Cli.Commands.Models;

/// <summary>
/// <c>lvm models import --transformer DIR --tokenizer DIR --name N --version V --out DIR</c>: a model folder from the two
/// downloaded Hugging Face repositories, validated from headers alone (<see cref="ModelImporter"/>).
/// </summary>
public sealed class ModelsImportCommand() : LvmCommand("import", "Assemble a model folder from a downloaded transformer and VQGAN repository, validated from their headers.")
{
    private readonly Option<string> _transformer = new("--transformer") { Description = "The transformer's folder (config.json, model-*.safetensors + index, or a .bin).", Required = true };
    private readonly Option<string> _tokenizer = new("--tokenizer") { Description = "The VQGAN's folder (open-muse config.json, pytorch_model.bin or safetensors).", Required = true };
    private readonly Option<string> _name = new("--name") { Description = "Model name (lvm.json; the models container's folder).", Required = true };
    private readonly Option<string> _version = new("--version") { Description = "Model version.", Required = true };
    private readonly Option<int> _contextFrames = new("--context-frames") { Description = "Images that fit the transformer's context.", DefaultValueFactory = _ => 16 };
    private readonly Option<string> _out = new("--out") { Description = "The model folder to create (must not exist).", Required = true };

    protected override void Configure(Command command)
    {
        command.Options.Add(_transformer);
        command.Options.Add(_tokenizer);
        command.Options.Add(_name);
        command.Options.Add(_version);
        command.Options.Add(_contextFrames);
        command.Options.Add(_out);
    }

    protected override Task<int> ExecuteAsync(ParseResult parse, CommandOutput console, CancellationToken cancellationToken)
    {
        var request = new ModelImportRequest(parse.GetValue(_transformer)!, parse.GetValue(_tokenizer)!, parse.GetValue(_name)!,
            parse.GetValue(_version)!, parse.GetValue(_contextFrames), parse.GetValue(_out)!);
        ModelImportResult result;
        try
        {
            result = ModelImporter.Import(request);
        }
        catch (ModelImportException e)
        {
            console.Error(e.Message);
            return Task.FromResult(ExitCodes.InvalidInput);
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
        {
            console.Error(e.Message);
            return Task.FromResult(ExitCodes.InvalidInput);
        }
        Report(result, console);
        return Task.FromResult(ExitCodes.Success);
    }

    private static void Report(ModelImportResult result, CommandOutput console)
    {
        if (console.JsonOutput)
        {
            console.WriteJson(result);
            return;
        }
        foreach (var file in result.Files)
            console.Info($"{(file.Linked ? "linked" : "copied"),-6} {file.Path} ({file.Bytes / 1e6:F1} MB)");
        int linked = result.Files.Count(f => f.Linked);
        console.Info($"{result.Settings.Name}/{result.Settings.Version}: transformer {ModelsPresetsCommand.FormatCount(result.Transformer.ParameterCount)} parameters ({result.TransformerTensors} tensors), " +
                     $"tokenizer {result.TokenizerTensors} tensors, {result.Settings.ContextFrames} frames of context; {linked} of {result.Files.Count} files hard-linked" +
                     (linked < result.Files.Count ? ", the rest copied (another file system)" : ""));
        console.WriteLine(result.Directory);
    }
}
