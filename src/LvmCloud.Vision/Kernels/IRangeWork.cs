namespace LvmCloud.Vision.Kernels;

/// <summary>Work over the items <c>[start, end)</c> of a range, safe to run for disjoint parts at once.</summary>
public interface IRangeWork
{
    void Execute(int start, int end);
}
