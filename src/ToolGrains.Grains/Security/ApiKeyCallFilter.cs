using Orleans.Runtime;

namespace ToolGrains.Grains.Security;

/// <summary>
/// Checks the API key of every call a client makes through a gateway, and the role <see cref="GrainRoles"/> asks
/// for the method, then removes the key and records the role in the call's context for the grains that check an
/// operation themselves (the protocol adapter, a buffer's tool change). Calls that start inside the cluster (a
/// grain, a reminder, the silo's own HTTP endpoints and start-up tasks) are not client calls and pass with the
/// role they carry. Orleans' own system targets, which a client needs to connect, are left to Orleans.
/// </summary>
public sealed class ApiKeyCallFilter(ApiKeyRing keys) : IIncomingGrainCallFilter
{
    /// <summary>The silo's hosted client (its in-process callers: HTTP endpoints, start-up tasks) is named so by Orleans.</summary>
    private const string HostedClientPrefix = "hosted-";

    public Task Invoke(IIncomingGrainCallContext context)
    {
        if (context.SourceId is not { } source || !source.IsClient() || source.Key.ToString().StartsWith(HostedClientPrefix, StringComparison.Ordinal)
            || context.TargetId.IsSystemTarget())
            return context.Invoke();

        var presented = RequestContext.Get(CallerContext.ApiKeyKey) as string;
        RequestContext.Remove(CallerContext.ApiKeyKey);
        ToolGrainsRole role;
        if (!keys.Required)
        {
            role = ToolGrainsRole.Admin;
        }
        else if (keys.Resolve(presented) is { } known)
        {
            role = known;
        }
        else
        {
            throw new ToolGrainsException(ErrorCodes.Unauthorized, presented is null
                ? "This cluster requires an API key: pass --api-key or set TOOLGRAINS_API_KEY (CLI), or UseToolGrainsClient(o => o.ApiKey = ...) (Orleans client)."
                : "The API key is not one this cluster knows.");
        }
        var required = GrainRoles.Required(context.InterfaceMethod);
        if (role < required)
            throw new ToolGrainsException(ErrorCodes.Forbidden,
                $"{context.InterfaceName}.{context.MethodName} needs the {CallerContext.NameOf(required)} role; this key has the {CallerContext.NameOf(role)} role.");
        RequestContext.Set(CallerContext.RoleKey, (int)role);
        return context.Invoke();
    }
}
