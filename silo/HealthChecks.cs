using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ToolGrains.Hosting;

namespace ToolGrains.Silo;

/// <summary>
/// Liveness and readiness as ASP.NET Core health checks. Liveness runs no check: it touches nothing but this
/// process, so a slow database never gets a healthy silo restarted. Readiness (tag <c>ready</c>) asks that the
/// silo is active in its cluster and that the profile's database answers, within 5 s.
/// </summary>
internal static class HealthChecks
{
    public const string ReadyTag = "ready";

    public static IServiceCollection AddToolGrainsHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<SiloActiveCheck>("silo", tags: [ReadyTag])
            .AddCheck<StorageCheck>("storage", tags: [ReadyTag], timeout: TimeSpan.FromSeconds(5));
        return services;
    }

    public static WebApplication MapToolGrainsHealthChecks(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions
        {
            Predicate = _ => false,
            ResponseWriter = (context, _) => context.Response.WriteAsJsonAsync(new { status = "live" }),
        });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag),
            ResultStatusCodes = { [HealthStatus.Healthy] = 200, [HealthStatus.Degraded] = 503, [HealthStatus.Unhealthy] = 503 },
            ResponseWriter = WriteReadinessAsync,
        });
        return app;
    }

    // The shape the probes, the tests and the README know: {"status","silo_active","storage"}.
    private static Task WriteReadinessAsync(HttpContext context, HealthReport report)
    {
        var silo = report.Entries.TryGetValue("silo", out var s) && s.Status == HealthStatus.Healthy;
        var storage = report.Entries.TryGetValue("storage", out var d)
            ? d.Status == HealthStatus.Healthy ? "ok" : d.Description ?? d.Exception?.Message ?? "unavailable"
            : "unknown";
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status == HealthStatus.Healthy ? "ready" : "not_ready",
            silo_active = silo,
            storage,
        }));
    }

    private sealed class SiloActiveCheck(SiloActivity silo) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(silo.IsActive ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("the silo is not active in its cluster yet"));
    }

    private sealed class StorageCheck(StorageProbe storage) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var (ok, detail) = await storage.CheckAsync(cancellationToken);
            return ok ? HealthCheckResult.Healthy(detail) : HealthCheckResult.Unhealthy(detail);
        }
    }
}
