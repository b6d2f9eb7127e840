using LvmCloud.Core.Images;
using LvmCloud.Core.Storage;
using LvmCloud.Platform.Storage;

namespace LvmCloud.Platform.Intake;

/// <summary>Why an input image was refused: a reject code and a message naming the image.</summary>
public sealed record ImageProblem(string Code, string Message);

/// <summary>
/// Checks that an input image referenced by a manifest exists and is within limits, reading only its
/// headers (the file is read in blocks of 64 KB, usually one, and no pixel is decoded): one info request and one
/// range read per block touched.
/// </summary>
public sealed class InputImageCheck(StorageClients clients)
{
    private const int ReadBlockBytes = 64 * 1024;

    /// <summary>Null when the image is acceptable, otherwise why not.</summary>
    public async Task<ImageProblem?> CheckAsync(string batchId, string relativePath, ImageLimits limits, CancellationToken cancellationToken)
    {
        var store = clients.BatchFiles;
        var file = await store.GetInfoAsync(StorageLayout.InputPath(batchId, relativePath), cancellationToken);
        if (file is null)
        {
            // The same reason and words as the worker's item runner and `lvm complete` give.
            var missing = new ImageRejectedException(relativePath, ImageRejectReason.NotFound, "no such file.");
            return new ImageProblem(missing.Reason, missing.Message);
        }

        try
        {
            ImageInspector.CheckByteCount(file.Length, limits, relativePath);
            await using var stream = new RangedReadStream(store, file, ReadBlockBytes);
            ImageInspector.Inspect(stream, limits, relativePath);
            return null;
        }
        catch (ImageRejectedException e)
        {
            return new ImageProblem(e.Reason, e.Message);
        }
    }
}
