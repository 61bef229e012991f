using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Orleans.Dashboard;
using ToolGrains.Grains.Buffers;
using ToolGrains.Grains.Tools;
using ToolGrains.Hosting;

namespace ToolGrains.Silo;

internal static class SiloHostExtensions
{
    /// <summary>
    /// Runs the start-up checks of the configuration (keys, ports, data folder); on failure prints one line
    /// per problem, naming the key, to stderr.
    /// </summary>
    public static bool TryValidateToolGrainsConfiguration(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(ToolGrainsOptions.SectionName).Get<ToolGrainsOptions>() ?? new ToolGrainsOptions();
        var errors = StartupChecks.Run(options);
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
        builder.WebHost.UseUrls(options.HttpPort == 0 ? [] : [$"http://0.0.0.0:{options.HttpPort}"]);
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

    public static WebApplication MapToolGrainsEndpoints(this WebApplication app)
    {
        var options = app.Configuration.GetSection(ToolGrainsOptions.SectionName).Get<ToolGrainsOptions>() ?? new ToolGrainsOptions();
        // Before every endpoint, the dashboard's included: with a key set, only health and metrics are open.
        if (options.ApiKey is { Length: > 0 } apiKey)
        {
            app.UseMiddleware<ApiKeyProtection>(apiKey);
            app.Logger.LogInformation("HTTP API key required on all but /health/* and /metrics");
        }
        // Liveness touches nothing but this process, so a slow database never gets a healthy silo restarted.
        app.MapGet("/health/live", () => Results.Ok(new { status = "live" }));
        app.MapGet("/health/ready", async (SiloActivity silo, StorageProbe storage, CancellationToken ct) =>
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            var (storageOk, detail) = await storage.CheckAsync(timeout.Token);
            var ready = silo.IsActive && storageOk;
            return Results.Json(new { status = ready ? "ready" : "not_ready", silo_active = silo.IsActive, storage = storageOk ? "ok" : detail },
                statusCode: ready ? 200 : 503);
        });
        app.MapPost("/api/call/{tool}", async (string tool, HttpRequest request, IGrainFactory grains) =>
        {
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync();
            var response = await grains.GetGrain<ToolGrains.IProtocolGrain>(0).CallAsync(tool, body);
            return Results.Text(response.Json, "application/json", statusCode: response.Error is null ? 200 : HttpStatus(response.Error.Code));
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

    private static int HttpStatus(string code) => ToolGrains.ErrorCodes.ExitCode(code) switch
    {
        2 => 400,
        3 => 404,
        _ => 500,
    };
}
