using Microsoft.Extensions.Options;

namespace LvmCloud.LocalApi;

/// <summary>Refuses requests without the configured key (401), the way function-level authorization does.</summary>
internal static class FunctionKeyCheck
{
    public static void UseFunctionKey(this WebApplication app)
    {
        var key = app.Services.GetRequiredService<IOptions<LocalApiOptions>>().Value.FunctionKey;
        if (key.Length == 0)
            return;
        app.Use(async (context, next) =>
        {
            var given = context.Request.Headers["x-functions-key"].ToString();
            if (given.Length == 0)
                given = context.Request.Query["code"].ToString();
            if (!string.Equals(given, key, StringComparison.Ordinal))
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }
            await next(context);
        });
    }
}
