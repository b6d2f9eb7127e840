using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace LvmCloud.LocalApi;

/// <summary>
/// Refuses requests without the configured key (401), the way function-level authorization does; the key is compared
/// in constant time, so the answer's timing says nothing about how much of a guess was right.
/// </summary>
internal static class FunctionKeyCheck
{
    public static void UseFunctionKey(this WebApplication app)
    {
        var key = app.Services.GetRequiredService<IOptions<LocalApiOptions>>().Value.FunctionKey;
        if (key.Length == 0)
            return;
        var expected = Encoding.UTF8.GetBytes(key);
        app.Use(async (context, next) =>
        {
            var given = context.Request.Headers["x-functions-key"].ToString();
            if (given.Length == 0)
                given = context.Request.Query["code"].ToString();
            if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), expected))
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }
            await next(context);
        });
    }
}
