using ToolGrains.Grains.Security;

namespace ToolGrains.Silo;

/// <summary>
/// API keys on the silo's HTTP port (<c>ToolGrains:ApiKeys</c>, <c>ToolGrains:ApiKey</c>). With keys configured,
/// every request but the health probes and <c>/metrics</c> (which Kubernetes and Prometheus call without secrets)
/// needs a key as <c>X-Api-Key</c>, <c>Authorization: Bearer</c>, or, for a browser, <c>?api_key=</c>: that
/// browser gets a cookie holding a hash of the key and a redirect to the same URL without it, so the key leaves
/// the address bar and history, and the page's requests and the dashboard's scripts are let in. Every path needs
/// at least the reader role; <c>/api/call</c> operations check their own role from <see cref="RoleOf"/>. Without
/// keys every request acts as admin. Keys are never logged.
/// </summary>
internal sealed class ApiKeyProtection(RequestDelegate next, ApiKeyRing keys)
{
    public const string HeaderName = "X-Api-Key";
    public const string QueryName = "api_key";
    public const string CookieName = "toolgrains_key";
    private const string RoleItem = "toolgrains.role";

    public static bool IsOpen(PathString path) =>
        path.StartsWithSegments("/health") || path.StartsWithSegments("/metrics");

    /// <summary>The role this request's key grants (admin when the silo has no keys).</summary>
    public static ToolGrainsRole RoleOf(HttpContext context) =>
        context.Items.TryGetValue(RoleItem, out var role) && role is ToolGrainsRole r ? r : ToolGrainsRole.Reader;

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (!keys.Required || IsOpen(request.Path))
        {
            context.Items[RoleItem] = keys.Required ? ToolGrainsRole.Reader : ToolGrainsRole.Admin;
            await next(context);
            return;
        }
        if ((keys.Resolve(HeaderKey(request)) ?? keys.ResolveCookie(request.Cookies[CookieName])) is { } role)
        {
            context.Items[RoleItem] = role;
            await next(context);
            return;
        }
        if (request.Query.TryGetValue(QueryName, out var query) && keys.Resolve(query.ToString()) is { } queryRole)
        {
            if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
            {
                context.Response.Cookies.Append(CookieName, ApiKeyRing.CookieValue(query.ToString()), new CookieOptions
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
            context.Items[RoleItem] = queryRole;
            await next(context);
            return;
        }
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer realm=\"toolgrains\"";
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(ToolGrains.Core.Protocol.ProtocolJson.Error(ErrorCodes.Unauthorized,
            $"This silo requires an API key: header {HeaderName}, Authorization: Bearer, or ?{QueryName}= in a browser.", null));
    }

    private static string? HeaderKey(HttpRequest request)
    {
        if (request.Headers.TryGetValue(HeaderName, out var header)) return header.ToString();
        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization["Bearer ".Length..].Trim() : null;
    }
}
