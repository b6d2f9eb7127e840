namespace LvmCloud.Core.Sentences;

/// <summary>The sentence kinds of LVM's data recipe, as written in <c>sentences.jsonl</c>'s optional <c>kind</c>.</summary>
public static class SentenceKinds
{
    /// <summary>Frames of a video, in time order.</summary>
    public const string Sequence = "sequence";

    /// <summary>(x, y) pairs repeated: x1, y1, x2, y2, ... with the same transform x -> y.</summary>
    public const string Pairs = "pairs";

    /// <summary>(masked x, x) pairs repeated.</summary>
    public const string Inpainting = "inpainting";

    /// <summary>Several images of one category.</summary>
    public const string Category = "category";
}
