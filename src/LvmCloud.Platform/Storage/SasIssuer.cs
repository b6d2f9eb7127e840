using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Sas;

namespace LvmCloud.Platform.Storage;

/// <summary>
/// Issues blob-scoped SAS URLs. With an account key (Azurite, local) the SAS is signed with the key; with a
/// token credential (managed identity in Azure) it is a user-delegation SAS, so no key is ever deployed.
/// Each SAS names one blob: a container SAS cannot be confined to a <c>{batchId}/</c> prefix on
/// flat-namespace storage, and a blob SAS can be.
/// </summary>
public sealed class SasIssuer(StorageClients clients, TimeProvider time)
{
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);
    private readonly SemaphoreSlim _keyLock = new(1, 1);
    private UserDelegationKey? _delegationKey;

    /// <summary>A SAS URL for <paramref name="path"/> of <paramref name="store"/> with <paramref name="access"/>, valid until
    /// <paramref name="expiresOn"/>: give every link of one answer the same expiry, and report that value, so what the
    /// caller is told is what the links say. No request with an account key; with a token credential, one for the
    /// delegation key now and then (cached until near its expiry).</summary>
    public Task<Uri> CreateAsync(BlobStore store, string path, SasAccess access, DateTimeOffset expiresOn, CancellationToken cancellationToken) =>
        CreateAsync(store.Blob(path), Permissions(access), expiresOn, cancellationToken);

    private static BlobSasPermissions Permissions(SasAccess access) =>
        (access.HasFlag(SasAccess.Read) ? BlobSasPermissions.Read : 0)
        | (access.HasFlag(SasAccess.Create) ? BlobSasPermissions.Create : 0)
        | (access.HasFlag(SasAccess.Write) ? BlobSasPermissions.Write : 0);

    private async Task<Uri> CreateAsync(BlobClient blob, BlobSasPermissions permissions, DateTimeOffset expiresOn, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var builder = new BlobSasBuilder(permissions, expiresOn)
        {
            BlobContainerName = blob.BlobContainerName,
            BlobName = blob.Name,
            Resource = "b",
            StartsOn = now - ClockSkew,
        };
        if (blob.CanGenerateSasUri)
            return blob.GenerateSasUri(builder);

        var key = await GetDelegationKeyAsync(expiresOn, cancellationToken);
        var query = builder.ToSasQueryParameters(key, clients.Blobs.AccountName);
        return new BlobUriBuilder(blob.Uri) { Sas = query }.ToUri();
    }

    private async Task<UserDelegationKey> GetDelegationKeyAsync(DateTimeOffset neededUntil, CancellationToken cancellationToken)
    {
        await _keyLock.WaitAsync(cancellationToken);
        try
        {
            if (_delegationKey is { } cached && cached.SignedExpiresOn > neededUntil + ClockSkew)
                return cached;
            var now = time.GetUtcNow();
            var response = await clients.Blobs.GetUserDelegationKeyAsync(now - ClockSkew, neededUntil + TimeSpan.FromHours(1), cancellationToken);
            _delegationKey = response.Value;
            return _delegationKey;
        }
        finally
        {
            _keyLock.Release();
        }
    }
}
