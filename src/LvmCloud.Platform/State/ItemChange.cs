namespace LvmCloud.Platform.State;

/// <summary>
/// An item row read with its ETag, already changed to its new state (and fields), and the state it was in when read:
/// <see cref="JobStateStore.TransitionItemsAsync"/> writes it and moves the batch's counts from <see cref="FromState"/>
/// to the item's new state in the same transaction.
/// </summary>
public sealed record ItemChange(ItemEntity Item, string FromState);

/// <summary>What a transition wrote: the batch row as it now is, the changes that landed, and those another writer beat.</summary>
public sealed record TransitionResult(BatchEntity Batch, IReadOnlyList<ItemEntity> Written, IReadOnlyList<ItemEntity> Lost);
