namespace LvmCloud.Worker.Training;

/// <summary>
/// Local scratch folders for the weight loaders and writers, which work on files; the copies between a store and a
/// folder are <see cref="LvmCloud.Core.Storage.FileStoreFolders"/>.
/// </summary>
public static class StoreFolders
{
    /// <summary>A fresh temporary folder, deleted when disposed.</summary>
    public static TemporaryFolder Temporary(string prefix) => new(Directory.CreateTempSubdirectory(prefix).FullName);
}
