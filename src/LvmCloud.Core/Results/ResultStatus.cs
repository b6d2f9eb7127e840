namespace LvmCloud.Core.Results;

/// <summary>Final state of one item; written as <c>succeeded</c>, <c>failed</c> or <c>cancelled</c>.</summary>
public enum ResultStatus
{
    Succeeded,
    Failed,
    Cancelled,
}
