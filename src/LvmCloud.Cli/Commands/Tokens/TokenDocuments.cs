using System.Text.Json.Serialization;

namespace LvmCloud.Cli.Commands.Tokens;

/// <summary><c>{"codes": [[...], ...]}</c>: one list of VQGAN codes per image.</summary>
public sealed record CodesDocument([property: JsonPropertyName("codes")] IReadOnlyList<long[]> Codes);

/// <summary><c>{"tokens": [[...], ...]}</c>: one token row per prompt (input) or per prompt and candidate (output).</summary>
public sealed record TokensDocument([property: JsonPropertyName("tokens")] IReadOnlyList<long[]> Tokens);

/// <summary><c>{"images": [...]}</c>: paths of written images.</summary>
public sealed record ImagesDocument([property: JsonPropertyName("images")] IReadOnlyList<string> Images);

/// <summary><c>{"perplexity": [...]}</c>: one value per row.</summary>
public sealed record PerplexityDocument([property: JsonPropertyName("perplexity")] IReadOnlyList<double> Perplexity);

/// <summary>A named model size in <c>lvm models presets</c>.</summary>
public sealed record PresetEntry(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("parameters")] long Parameters,
    [property: JsonPropertyName("description")] string Description);

/// <summary><c>{"transformer": [...], "tokenizer": [...]}</c>.</summary>
public sealed record PresetsDocument(
    [property: JsonPropertyName("transformer")] IReadOnlyList<PresetEntry> Transformer,
    [property: JsonPropertyName("tokenizer")] IReadOnlyList<PresetEntry> Tokenizer);
