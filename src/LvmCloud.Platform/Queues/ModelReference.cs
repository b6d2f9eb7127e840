namespace LvmCloud.Platform.Queues;

/// <summary>A model in the <c>models</c> container: <c>{Name}/{Version}/tokenizer/</c> and <c>/transformer/</c>.</summary>
public sealed record ModelReference(string Name, string Version)
{
    public override string ToString() => $"{Name}/{Version}";
}
