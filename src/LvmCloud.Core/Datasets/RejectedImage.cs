namespace LvmCloud.Core.Datasets;

/// <summary>An image of a dataset that could not be used: missing, not an image, damaged or over the limits.</summary>
/// <param name="Path">The image's path relative to the dataset.</param>
/// <param name="Reason">One of the <see cref="Images.ImageRejectReason"/> codes, or a path code (<c>path-traversal</c>, ...) for a path that leaves the dataset.</param>
/// <param name="Message">What is wrong, naming the image.</param>
public sealed record RejectedImage(string Path, string Reason, string Message);
