using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace LvmCloud.Platform.Tests.Infrastructure;

/// <summary>
/// Builds <see cref="HttpRequest"/>s the way the Functions ASP.NET Core integration hands them to a function,
/// and runs the returned <see cref="IActionResult"/> through ASP.NET Core's real result executors.
/// </summary>
internal static class HttpCalls
{
    private static readonly IServiceProvider MvcServices = new ServiceCollection().AddLogging().AddMvcCore().Services.BuildServiceProvider();

    public static HttpRequest Request(string method, string path, string? jsonBody = null, IDictionary<string, string>? headers = null)
    {
        var context = new DefaultHttpContext { RequestServices = MvcServices };
        context.Request.Method = method;
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("localhost", 7071);
        var query = path.IndexOf('?');
        context.Request.Path = query < 0 ? path : path[..query];
        if (query >= 0)
            context.Request.QueryString = new QueryString(path[query..]);
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
            context.Request.Headers[name] = value;
        if (jsonBody is not null)
        {
            var bytes = Encoding.UTF8.GetBytes(jsonBody);
            context.Request.Body = new MemoryStream(bytes);
            context.Request.ContentLength = bytes.Length;
            context.Request.ContentType = "application/json";
        }
        context.Response.Body = new MemoryStream();
        return context.Request;
    }

    public static async Task<HttpAnswer> ExecuteAsync(IActionResult result, HttpRequest request)
    {
        var context = request.HttpContext;
        await result.ExecuteResultAsync(new ActionContext(context, new RouteData(), new ActionDescriptor()));
        var body = ((MemoryStream)context.Response.Body).ToArray();
        return new HttpAnswer(context.Response.StatusCode, context.Response.ContentType ?? "", body, context.Response.Headers);
    }
}

internal sealed record HttpAnswer(int Status, string ContentType, byte[] Body, IHeaderDictionary Headers)
{
    public string Text => Encoding.UTF8.GetString(Body);
}
