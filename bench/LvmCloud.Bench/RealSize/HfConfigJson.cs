using System.Text.Json;
using System.Text.Json.Nodes;
using LvmCloud.Vision.Transformer;

namespace LvmCloud.Bench.RealSize;

/// <summary>
/// A transformer <c>config.json</c> as Hugging Face's <c>LlamaConfig.save_pretrained</c> writes it for LVM's models:
/// the fields the project reads (<see cref="LlamaConfig.ToJson"/>) plus the ones transformers adds and the project
/// ignores, keys sorted, indent 2. <c>transformers_version</c> is left out: no real version wrote this file.
/// </summary>
public static class HfConfigJson
{
    public static string Of(LlamaConfig config)
    {
        var fields = JsonNode.Parse(config.ToJson())!.AsObject();
        fields["attention_dropout"] = 0.0;
        fields["initializer_range"] = 0.02;
        fields["pretraining_tp"] = 1;
        fields["use_cache"] = true;
        var sorted = new JsonObject();
        foreach (var (key, value) in fields.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList())
            sorted[key] = value?.DeepClone();
        return sorted.ToJsonString(new JsonSerializerOptions { WriteIndented = true, IndentSize = 2 }) + "\n";
    }
}
