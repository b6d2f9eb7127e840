using System.Text.Json;
using LvmCloud.Platform;
using LvmCloud.Platform.Batches;
using LvmCloud.Platform.Requests;
using Microsoft.AspNetCore.Mvc;

namespace LvmCloud.Functions.Http;

/// <summary>JSON and problem+json responses, and the mapping of service exceptions to HTTP statuses.</summary>
public static class ApiResults
{
    public const string ProblemJson = "application/problem+json";

    public static ContentResult Json(object value, int status = StatusCodes200) => new()
    {
        StatusCode = status,
        ContentType = "application/json; charset=utf-8",
        Content = JsonSerializer.Serialize(value, PlatformJson.Web),
    };

    public static ContentResult Problem(int status, string title, string detail) => new()
    {
        StatusCode = status,
        ContentType = ProblemJson,
        Content = JsonSerializer.Serialize(new ProblemDetails { Status = status, Title = title, Detail = detail }, PlatformJson.Web),
    };

    /// <summary>Runs <paramref name="action"/>, answering problem+json for the exceptions the services use.</summary>
    public static async Task<IActionResult> HandleAsync(Func<Task<IActionResult>> action)
    {
        try
        {
            return await action();
        }
        catch (BadRequestException e)
        {
            return Problem(400, "Bad request", e.Message);
        }
        catch (ArgumentException e)
        {
            return Problem(400, "Bad request", e.Message);
        }
        catch (NotFoundException e)
        {
            return Problem(404, "Not found", e.Message);
        }
        catch (ConflictException e)
        {
            return Problem(409, "Conflict", e.Message);
        }
    }

    /// <summary>The <c>pageSize</c> query parameter, when given.</summary>
    /// <exception cref="BadRequestException">It is not a whole number.</exception>
    public static int? PageSize(Microsoft.AspNetCore.Http.HttpRequest request) =>
        request.Query["pageSize"].FirstOrDefault() is not { Length: > 0 } text ? null
        : int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var size) ? size
        : throw new BadRequestException($"pageSize '{text}' is not a whole number.");

    private const int StatusCodes200 = 200;
}
