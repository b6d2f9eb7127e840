namespace LvmCloud.Platform.Queues;

/// <summary>
/// Names of the job queues and their poison twins. A prefix (default none) lets several stacks share one
/// storage account; queue names stay lowercase letters, digits and '-'.
/// </summary>
public sealed record QueueNames(string Prefix = "")
{
    public const string GenerateKind = "generate";
    public const string TokenizeKind = "tokenize";
    public const string TrainShardKind = "train-shard";
    public const string PoisonSuffix = "-poison";

    public string Generate => For(GenerateKind);
    public string GeneratePoison => Poison(GenerateKind);
    public string Tokenize => For(TokenizeKind);
    public string TrainShard => For(TrainShardKind);

    public string For(string kind) => Prefix + kind;

    public string Poison(string kind) => For(kind) + PoisonSuffix;

    public IEnumerable<string> All()
    {
        foreach (var kind in new[] { GenerateKind, TokenizeKind, TrainShardKind })
        {
            yield return For(kind);
            yield return Poison(kind);
        }
    }
}
