using System.Security.Cryptography;
using System.Text;

namespace ToolGrains.Silo;

/// <summary>
/// The optional API key (<c>ToolGrains:ApiKey</c>) on the silo's HTTP port: when set, every request but the
/// health probes and <c>/metrics</c> (which Kubernetes and Prometheus call without secrets) needs the key as
/// <c>X-Api-Key</c>, <c>Authorization: Bearer</c>, or, for a browser, <c>?api_key=</c>. A browser that sends it
/// in the query gets a cookie holding a hash of the key and a redirect to the same URL without it, so the key
/// leaves the address bar and history, and the page's own requests and the dashboard's scripts are let in.
/// The key is never logged, and compared in constant time.
/// </summary>
internal sealed class ApiKeyProtection(RequestDelegate next, string apiKey)
{
    public const string HeaderName = "X-Api-Key";
    public const string QueryName = "api_key";
    public const string CookieName = "toolgrains_key";

    private readonly byte[] _keyHash = Hash(apiKey);

    /// <summary>The cookie's value: a hash of the key, not the key, so a leaked cookie is not the key itself.</summary>
    private readonly string _cookieValue = Convert.ToHexStringLower(SHA256.HashData(Hash(apiKey)));

    public static bool IsOpen(PathString path) =>
        path.StartsWithSegments("/health") || path.StartsWithSegments("/metrics");

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (IsOpen(request.Path) || Matches(HeaderKey(request)) || CookieMatches(request))
        {
            await next(context);
            return;
        }
        if (request.Query.TryGetValue(QueryName, out var query) && Matches(query.ToString()))
        {
            if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
            {
                context.Response.Cookies.Append(CookieName, _cookieValue, new CookieOptions
                {
                    HttpOnly = true,
                    SameSite = SameSiteMode.Strict,
                    Secure = request.IsHttps,
                    Path = "/",
                });
                var rest = request.Query.Where(p => p.Key != QueryName).SelectMany(p => p.Value.Select(v => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(v ?? "")}"));
                var queryString = string.Join("&", rest);
                context.Response.Redirect($"{request.PathBase}{request.Path}{(queryString.Length > 0 ? "?" + queryString : "")}");
                return;
            }
            await next(context);
            return;
        }
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer realm=\"toolgrains\"";
        await context.Response.WriteAsJsonAsync(new
        {
            error = new
            {
                code = "unauthorized",
                message = $"This silo requires its API key: header {HeaderName}, Authorization: Bearer, or ?{QueryName}= in a browser.",
            },
        });
    }

    private static string? HeaderKey(HttpRequest request)
    {
        if (request.Headers.TryGetValue(HeaderName, out var header)) return header.ToString();
        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization["Bearer ".Length..].Trim() : null;
    }

    private bool Matches(string? candidate) => candidate is { Length: > 0 } && SameHash(_keyHash, candidate);

    private bool CookieMatches(HttpRequest request) =>
        request.Cookies.TryGetValue(CookieName, out var cookie) && cookie is { Length: > 0 } && SameHash(Hash(_cookieValue), cookie);

    // Hashes make both sides the same length, so the comparison's time says nothing about the secret.
    private static bool SameHash(byte[] expectedHash, string candidate) =>
        CryptographicOperations.FixedTimeEquals(expectedHash, Hash(candidate));

    private static byte[] Hash(string text) => SHA256.HashData(Encoding.UTF8.GetBytes(text));
}
