using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using LvmCloud.Core.Images;
using LvmCloud.Platform.Storage;

namespace LvmCloud.Platform.Intake;

/// <summary>Why an input image was refused: a reject code and a message naming the image.</summary>
public sealed record ImageProblem(string Code, string Message);

/// <summary>
/// Checks that an input image referenced by a manifest exists and is within limits, reading only its
/// headers (the blob is streamed in small blocks and no pixel is decoded).
/// </summary>
public sealed class InputImageCheck(StorageClients clients)
{
    private const int ReadBlockBytes = 64 * 1024;

    /// <summary>Null when the image is acceptable, otherwise why not.</summary>
    public async Task<ImageProblem?> CheckAsync(string batchId, string relativePath, ImageLimits limits, CancellationToken cancellationToken)
    {
        BlobClient blob = clients.Batches.GetBlobClient(StorageLayout.InputPath(batchId, relativePath));
        BlobProperties properties;
        try
        {
            properties = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken)).Value;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // The same reason and words as the worker's item runner and `lvm complete` give.
            var missing = new ImageRejectedException(relativePath, ImageRejectReason.NotFound, "no such file.");
            return new ImageProblem(missing.Reason, missing.Message);
        }

        try
        {
            ImageInspector.CheckByteCount(properties.ContentLength, limits, relativePath);
            await using var stream = await blob.OpenReadAsync(new BlobOpenReadOptions(allowModifications: false) { BufferSize = ReadBlockBytes }, cancellationToken);
            ImageInspector.Inspect(stream, limits, relativePath);
            return null;
        }
        catch (ImageRejectedException e)
        {
            return new ImageProblem(e.Reason, e.Message);
        }
    }
}
