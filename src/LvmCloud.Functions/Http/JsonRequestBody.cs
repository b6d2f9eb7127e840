using System.Text.Json;
using LvmCloud.Platform;
using LvmCloud.Platform.Batches;
using LvmCloud.Platform.Requests;
using Microsoft.AspNetCore.Http;

namespace LvmCloud.Functions.Http;

/// <summary>Reads an HTTP request's JSON body the one way every POST of the API does.</summary>
public static class JsonRequestBody
{
    /// <summary>
    /// The body as <typeparamref name="T"/> (web JSON options); <paramref name="empty"/> for no body or a JSON
    /// <c>null</c>. Invalid JSON is a <see cref="BadRequestException"/> (400) that shows the expected
    /// <paramref name="shape"/> and the parser's message.
    /// </summary>
    public static async Task<T> ReadAsync<T>(HttpRequest request, T empty, string shape, CancellationToken cancellationToken)
    {
        try
        {
            return request.ContentLength is 0 || request.Body is null
                ? empty
                : await JsonSerializer.DeserializeAsync<T>(request.Body, PlatformJson.Web, cancellationToken) ?? empty;
        }
        catch (JsonException e)
        {
            throw new BadRequestException($"Request body is not valid JSON of the form {shape}: {e.Message}");
        }
    }
}
