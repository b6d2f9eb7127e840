using System.CommandLine;
using LvmCloud.Cli.Interaction;
using LvmCloud.Cli.Output;
using LvmCloud.Vision.Pipelines;

namespace LvmCloud.Cli.Commands.Training;

/// <summary><c>lvm assemble-model</c>: puts a tokenizer and a transformer together into one model folder (tokenizer/, transformer/, lvm.json).</summary>
public sealed class AssembleModelCommand() : LvmCommand("assemble-model",
    "Put a trained tokenizer and transformer together into one model folder that `lvm complete` and the worker load.")
{
    private readonly Option<string> _tokenizer = new("--tokenizer") { Required = true, Description = "Tokenizer folder." };
    private readonly Option<string> _transformer = new("--transformer") { Required = true, Description = "Transformer folder." };
    private readonly Option<int> _context = new("--context-frames") { Required = true, Description = "Images that fit the transformer's context." };
    private readonly Option<string> _name = new("--name") { DefaultValueFactory = _ => "lvm" };
    private readonly Option<string> _version = new("--version") { DefaultValueFactory = _ => "1" };
    private readonly Option<string> _out = new("--out") { Required = true, Description = "Model folder to write." };

    protected override void Configure(Command command)
    {
        foreach (var o in new Option[] { _tokenizer, _transformer, _context, _name, _version, _out }) command.Options.Add(o);
    }

    protected override Task<int> ExecuteAsync(ParseResult parse, CommandOutput console, CancellationToken ct)
    {
        string tokenizerDir = parse.GetValue(_tokenizer)!, transformerDir = parse.GetValue(_transformer)!, outDir = parse.GetValue(_out)!;
        using var tokenizer = Vision.Tokenizer.VqganTokenizer.Load(tokenizerDir);
        var transformer = Vision.Transformer.LlamaForCausalLM.FromPretrained(transformerDir);
        using var model = new LvmModel(tokenizer, transformer, new LvmModelSettings(parse.GetValue(_context), parse.GetValue(_name)!, parse.GetValue(_version)!));
        model.Save(outDir);
        using var check = LvmModel.Load(outDir);
        if (console.JsonOutput) console.WriteJson(new { model = outDir });
        else console.Info($"model folder: {outDir} ({check.Resolution}px, {check.TokensPerImage} tokens per image, {check.Settings.ContextFrames} frames of context)");
        return Task.FromResult(ExitCodes.Success);
    }
}
