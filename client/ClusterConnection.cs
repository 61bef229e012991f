using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Runtime;

namespace ToolGrains.Cli;

/// <summary>Where the CLI finds the cluster: a gateway address, or the gateways listed in PostgreSQL.</summary>
internal sealed record ClusterTarget(string? Gateway, string? Postgres, string ClusterId, string ServiceId,
    string? TlsCertificate = null, string? TlsPassword = null, bool TlsInsecure = false, string? ApiKey = null)
{
    public const string DefaultGateway = "127.0.0.1:30000";

    // Never the key: a record would print every member.
    public override string ToString() => Describe();

    public string Describe() => Postgres is not null ? "the gateways listed in PostgreSQL" : $"gateway {Gateway ?? DefaultGateway}";
}

/// <summary>An Orleans client connected to the cluster, or a <see cref="ToolGrainsException"/> with exit code 4 within the timeout.</summary>
internal static class ClusterConnection
{
    /// <summary>How long connecting may take before "cluster unreachable": well under the 10 s a user waits.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(7);

    public static async Task<IHost> ConnectAsync(ClusterTarget target, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        // Orleans says why a connection failed only in its log: keep its warnings, to explain a failure.
        var connectLog = new ConnectionLog();
        builder.Logging.ClearProviders().SetMinimumLevel(LogLevel.Warning).AddProvider(connectLog);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = target.ClusterId;
                o.ServiceId = target.ServiceId;
            });
            if (target.Postgres is { } connectionString)
            {
                client.UseAdoNetClustering(o =>
                {
                    o.Invariant = "Npgsql";
                    o.ConnectionString = connectionString;
                });
            }
            else
            {
                client.UseStaticClustering(ParseGateway(target.Gateway ?? ClusterTarget.DefaultGateway));
            }
            if (target.TlsCertificate is { } certificate)
            {
                System.Security.Cryptography.X509Certificates.X509Certificate2 loaded;
                try
                {
                    loaded = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12FromFile(certificate, target.TlsPassword);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
                {
                    throw new ToolGrainsException(ErrorCodes.InvalidRequest, $"--tls-cert '{certificate}' is not a readable PKCS#12 certificate: {ex.Message}", "tls-cert");
                }
                client.UseTls(loaded, tls =>
                {
                    if (target.TlsInsecure) tls.AllowAnyRemoteCertificate();
                });
            }
            client.UseToolGrainsClient(o => o.ApiKey = target.ApiKey);
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromMinutes(2));
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
        });
        var host = builder.Build();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ConnectTimeout);
        try
        {
            await host.StartAsync(timeout.Token).WaitAsync(timeout.Token);
            return host;
        }
        catch (Exception ex) when (ex is not ToolGrainsException)
        {
            host.Dispose();
            var why = ex is OperationCanceledException ? $"no answer within {ConnectTimeout.TotalSeconds:0} s" : ex.Message.Split('\n')[0];
            throw new ToolGrainsException(ErrorCodes.ClusterUnreachable, $"Cannot reach the cluster through {target.Describe()}: {connectLog.Explain(target) ?? why}");
        }
    }

    /// <summary>How long a call keeps retrying a transient failure to reach a silo before it is "cluster unreachable".</summary>
    public static readonly TimeSpan RetryDeadline = TimeSpan.FromSeconds(30);

    /// <summary>Whether an exception means the cluster could not be reached for this call (a gateway or silo
    /// starting, stopping or overloaded), as opposed to an answer.</summary>
    public static bool IsTransient(Exception ex) =>
        ex is SiloUnavailableException or Orleans.Runtime.Messaging.ConnectionFailedException or OrleansMessageRejectionException or TimeoutException;

    /// <summary>
    /// Runs <paramref name="call"/>, retrying transient failures with a growing pause until <see cref="RetryDeadline"/>.
    /// A retried write may be applied twice if only its answer was lost (at least once, like any client retry).
    /// </summary>
    public static async Task<T> RetryTransientAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + RetryDeadline;
        var pause = TimeSpan.FromMilliseconds(200);
        while (true)
        {
            try
            {
                return await call();
            }
            catch (Exception ex) when (IsTransient(ex) && DateTime.UtcNow + pause < deadline)
            {
                await Task.Delay(pause, cancellationToken);
                pause = TimeSpan.FromMilliseconds(Math.Min(pause.TotalMilliseconds * 2, 2000));
            }
        }
    }

    public static IPEndPoint ParseGateway(string gateway)
    {
        var colon = gateway.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(gateway[(colon + 1)..], out var port) || port is < 1 or > 65535)
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, $"--gateway must be HOST:PORT, not '{gateway}'.", "gateway");
        var host = gateway[..colon].Trim('[', ']');
        if (IPAddress.TryParse(host, out var ip)) return new IPEndPoint(ip, port);
        try
        {
            var addresses = Dns.GetHostAddresses(host);
            var address = addresses.FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork) ?? addresses.First();
            return new IPEndPoint(address, port);
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or InvalidOperationException)
        {
            throw new ToolGrainsException(ErrorCodes.ClusterUnreachable, $"Cannot resolve gateway host '{host}': {ex.Message}", "gateway");
        }
    }
}

/// <summary>Keeps the last warnings the Orleans client logged while connecting.</summary>
internal sealed class ConnectionLog : ILoggerProvider, ILogger
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _messages = new();

    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        _messages.Enqueue(formatter(state, exception) + (exception is null ? "" : " " + exception.Message));
        while (_messages.Count > 20) _messages.TryDequeue(out _);
    }

    public void Dispose() { }

    /// <summary>The likely cause, from what Orleans logged, or null when it logged nothing telling.</summary>
    public string? Explain(ClusterTarget target)
    {
        var log = string.Join("\n", _messages);
        // A gateway of another cluster accepts the TCP connection, reads the handshake and closes it.
        if (log.Contains("terminated prematurely", StringComparison.OrdinalIgnoreCase) || log.Contains("Underlying connection closed", StringComparison.OrdinalIgnoreCase))
            return $"the gateway accepted the connection and closed it: the silos' cluster id is not '{target.ClusterId}' "
                + "(--cluster-id or TOOLGRAINS_CLUSTER_ID must match the silos' ToolGrains:ClusterId), or TLS is on at one end only";
        if (log.Contains("refused", StringComparison.OrdinalIgnoreCase))
            return "the connection was refused: no silo listens there (start one with 'dotnet run --project silo', or pass --gateway HOST:PORT)";
        return null;
    }
}
