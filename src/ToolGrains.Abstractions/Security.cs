using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.Runtime;

namespace ToolGrains;

/// <summary>
/// What a caller may do (docs/architecture.md, "Security"): each role includes the ones below it.
/// </summary>
public enum ToolGrainsRole
{
    /// <summary>Reads: analytics, statuses of buffers and tools, tool lists, cluster status, the page and the dashboard.</summary>
    Reader = 1,

    /// <summary>Runs workflows: buffer write, flush and status, resilient and plain tool calls, failure marks, spec extraction.</summary>
    Caller = 2,

    /// <summary>Changes the system: registers or replaces tools, clears buffers, changes a buffer's tool once set, restores tools.</summary>
    Admin = 3,
}

/// <summary>
/// The caller's key and role as they travel with a call (Orleans <see cref="RequestContext"/>). A client puts its
/// key there (<see cref="ToolGrainsClientBuilderExtensions.UseToolGrainsClient"/>); the silo's incoming filter
/// checks it, removes it and puts the role in its place, overwriting whatever a client sent as a role. The HTTP
/// endpoints set the role of the HTTP caller the same way.
/// </summary>
public static class CallerContext
{
    public const string ApiKeyKey = "toolgrains.api_key";
    public const string RoleKey = "toolgrains.role";

    /// <summary>The current call's role. A call that started inside the cluster (a timer, a reminder, a start-up
    /// task) carries none and acts as <see cref="ToolGrainsRole.Admin"/>: it is the operator's own code.</summary>
    public static ToolGrainsRole Role => RequestContext.Get(RoleKey) is int role && Enum.IsDefined((ToolGrainsRole)role)
        ? (ToolGrainsRole)role
        : ToolGrainsRole.Admin;

    public static string NameOf(ToolGrainsRole role) => role.ToString().ToLowerInvariant();

    /// <summary>
    /// Makes the rest of the calling async method act as the cluster itself, not as the caller whose call led
    /// here: for the silo's own bookkeeping (usage counts, the failure export) on buffers a caller may not change.
    /// Call it at the start of an async method: the change ends with that method.
    /// </summary>
    public static void ActAsSystem() => RequestContext.Remove(RoleKey);

    /// <summary>Throws <c>forbidden</c> unless the current call's role is at least <paramref name="required"/>.</summary>
    public static void Demand(ToolGrainsRole required, string what)
    {
        var role = Role;
        if (role < required)
            throw new ToolGrainsException(ErrorCodes.Forbidden,
                $"{what} needs the {NameOf(required)} role; this caller's key has the {NameOf(role)} role.");
    }
}

public static class ToolGrainsClientBuilderExtensions
{
    /// <summary>
    /// Sends <see cref="ToolGrainsClientOptions.ApiKey"/> with every grain call this client makes, and registers
    /// a <see cref="BufferWriter"/> (one per client) configured by <see cref="ToolGrainsClientOptions.BufferWriter"/>.
    /// </summary>
    public static IClientBuilder UseToolGrainsClient(this IClientBuilder client, Action<ToolGrainsClientOptions> configure)
    {
        var options = new ToolGrainsClientOptions();
        configure(options);
        var writerOptions = options.BufferWriter;
        BufferWriter.Validate(writerOptions); // as the client is built, not at the first write
        client.Services.AddSingleton(services => new BufferWriter(services.GetRequiredService<IGrainFactory>(), writerOptions));
        if (options.ApiKey is not { Length: > 0 } key) return client;
        return client.AddOutgoingGrainCallFilter(context =>
        {
            RequestContext.Set(CallerContext.ApiKeyKey, key);
            return context.Invoke();
        });
    }
}
