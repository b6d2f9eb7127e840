using LvmCloud.Core.Images;

namespace LvmCloud.Core.Manifests;

/// <summary>How an item's images are sized on the way in and on the way out.</summary>
/// <param name="Resize"><c>resize</c>: how inputs become square.</param>
/// <param name="ResizeOutput"><c>resize_output</c>: size of written outputs.</param>
public sealed record ImageSizing(ResizeMode Resize, ResizeOutputMode ResizeOutput);
