namespace LvmCloud.Vision.Checkpoints;

/// <summary>One tensor as a checkpoint's header describes it (nothing of its data is read).</summary>
/// <param name="Name">The state_dict key (<c>model.layers.0.self_attn.q_proj.weight</c>).</param>
/// <param name="DType">The dtype as the file names it (<c>F16</c> in safetensors, <c>HalfStorage</c> in a pickle).</param>
/// <param name="Shape">Sizes of each dimension.</param>
/// <param name="File">The file name that holds it (a shard of a sharded checkpoint).</param>
public sealed record HeaderTensor(string Name, string DType, IReadOnlyList<long> Shape, string File)
{
    public string ShapeText => "[" + string.Join(",", Shape) + "]";
}
