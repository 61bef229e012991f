using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Orleans.Dashboard;
using ToolGrains.Grains.Buffers;
using ToolGrains.Grains.Running;
using ToolGrains.Grains.Security;
using ToolGrains.Hosting;

namespace ToolGrains.Silo;

internal static class SiloHostExtensions
{
    /// <summary>
    /// Validates every options class and probes ports, certificate and data folder (<see cref="StartupProbes"/>); on
    /// failure prints one line per problem, naming the key, to stderr.
    /// </summary>
    public static bool TryValidateToolGrainsConfiguration(this WebApplicationBuilder builder)
    {
        var errors = StartupProbes.Run(builder.Configuration);
        foreach (var error in errors) Console.Error.WriteLine($"toolgrains-silo: configuration error: {error}");
        return errors.Count == 0;
    }

    public static WebApplicationBuilder AddToolGrainsSilo(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(ToolGrainsOptions.SectionName).Get<ToolGrainsOptions>() ?? new ToolGrainsOptions();
        // Time for buffers to flush and grains to hand over on SIGTERM; the Kubernetes grace period (60 s) is longer.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        // Every external input is bounded: the protocol refuses bodies over this size anyway.
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = ToolGrains.Core.Protocol.JsonRequest.MaxRequestBytes);
        // The same address as the gateway: loopback unless configured otherwise (ToolGrainsOptions.ListenAddress).
        var listen = options.EffectiveListenAddress;
        var host = listen.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{listen}]" : listen.ToString();
        builder.WebHost.UseUrls(options.HttpPort == 0 ? [] : [$"http://{host}:{options.HttpPort}"]);
        builder.Services.AddToolGrainsHealthChecks();
        builder.Host.UseOrleans(silo =>
        {
            silo.AddToolGrains(builder.Configuration);
            silo.AddDashboard();
        });
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("toolgrains-silo", serviceInstanceId: options.SiloName))
            .WithMetrics(metrics =>
        {
            metrics.AddMeter("Microsoft.Orleans", BufferMetrics.MeterName);
            metrics.AddPrometheusExporter();
            if (options.OtlpEndpoint is { Length: > 0 } otlp)
                metrics.AddOtlpExporter(o => o.Endpoint = new Uri(otlp));
        })
            .WithTracing(tracing =>
        {
            // One gen_ai execute_tool span per attempt of the resilient invoker; exported only to an OTLP endpoint.
            tracing.AddSource(ToolTelemetry.ActivitySourceName);
            if (options.OtlpEndpoint is { Length: > 0 } otlp)
                tracing.AddOtlpExporter(o => o.Endpoint = new Uri(otlp));
        });
        return builder;
    }

    /// <summary>Logs, once at start, the absolute folders this silo uses, so a relative setting is never a guess.</summary>
    public static WebApplication LogToolGrainsFolders(this WebApplication app)
    {
        var options = app.Configuration.GetSection(ToolGrainsOptions.SectionName).Get<ToolGrainsOptions>() ?? new ToolGrainsOptions();
        app.Logger.LogInformation(
            "Working directory {WorkingDirectory}; data in {DataDir} ({Storage}); tools from {ToolsDir}; executables also from [{AllowedToolDirs}]",
            Environment.CurrentDirectory, Path.GetFullPath(options.DataDir), options.Storage, Path.GetFullPath(options.ToolsDir),
            string.Join(", ", options.AllowedToolDirs.Select(Path.GetFullPath)));
        return app;
    }

    public static WebApplication MapToolGrainsEndpoints(this WebApplication app)
    {
        var options = app.Configuration.GetSection(ToolGrainsOptions.SectionName).Get<ToolGrainsOptions>() ?? new ToolGrainsOptions();
        // Before every endpoint, the dashboard's included: with keys set, only health and metrics are open.
        app.UseMiddleware<ApiKeyProtection>();
        if (app.Services.GetRequiredService<ApiKeyRing>().Required)
            app.Logger.LogInformation("API keys required on the gateway and on all HTTP paths but /health/* and /metrics");
        app.MapToolGrainsHealthChecks();
        app.MapPost("/api/call/{tool}", async (string tool, HttpContext context, IGrainFactory grains) =>
        {
            var request = context.Request;
            // JSON only: a browser page cannot send application/json across origins without a CORS preflight,
            // which this silo never answers, so no web page a developer opens can call the cluster.
            if (!request.HasJsonContentType())
                return Results.Text(ToolGrains.Core.Protocol.ProtocolJson.Error(ToolGrains.ErrorCodes.InvalidRequest,
                    "Content-Type must be application/json.", "content-type"), "application/json", statusCode: StatusCodes.Status415UnsupportedMediaType);
            // The protocol grain checks each operation against this role (a call made by the silo's own client).
            Orleans.Runtime.RequestContext.Set(ToolGrains.CallerContext.RoleKey, (int)ApiKeyProtection.RoleOf(context));
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync();
            var response = await grains.GetGrain<ToolGrains.IProtocolGrain>(0).CallAsync(tool, body);
            return Results.Text(response.Json, "application/json", statusCode: response.Error is null ? 200 : ToolGrains.ErrorCodes.HttpStatus(response.Error.Code));
        });
        app.MapGet("/api/analytics", async (IGrainFactory grains) =>
            Results.Text(await grains.GetGrain<ToolGrains.IAnalyticsGrain>(0).GetReportJsonAsync(), "application/json"));
        app.MapGet("/", () => Results.Bytes(AnalyticsPage.Value, "text/html; charset=utf-8"));
        app.MapOrleansDashboard(routePrefix: "/dashboard");
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }

    /// <summary>The analytics page (Web/index.html), embedded in this assembly and read once.</summary>
    private static readonly Lazy<byte[]> AnalyticsPage = new(() =>
    {
        using var stream = typeof(SiloHostExtensions).Assembly.GetManifestResourceStream("ToolGrains.Silo.Web.index.html")
            ?? throw new InvalidOperationException("The embedded analytics page is missing from the silo assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });
}
