using LvmCloud.Core.Images;

namespace LvmCloud.Core.Datasets;

/// <summary>Images that loaded (paths and pixels, in the order asked) and those that were rejected.</summary>
public sealed record DatasetImages(IReadOnlyList<string> Paths, IReadOnlyList<RgbImage> Images, IReadOnlyList<RejectedImage> Rejected);
