using System.Text.Json.Nodes;

namespace LvmCloud.Platform.Models;

/// <summary>
/// Body of <c>POST /api/models/{name}/{version}/commit</c>: the model's <c>lvm.json</c> settings (a JSON object; its
/// <c>name</c> and <c>version</c> are set from the route) and every file of the model with the size and SHA-256 it was
/// uploaded with. The commit checks each against storage before it writes <c>lvm.json</c>.
/// </summary>
public sealed record ModelCommitRequest(JsonObject? Settings, IReadOnlyList<ModelCommitFile>? Files);

/// <summary>One uploaded file: path relative to the model's folder, size in bytes, lowercase hex SHA-256.</summary>
public sealed record ModelCommitFile(string Path, long Size, string Sha256);
