using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace ToolGrains.Cli;

/// <summary>Where the CLI finds the cluster: a gateway address, or the gateways listed in PostgreSQL.</summary>
internal sealed record ClusterTarget(string? Gateway, string? Postgres, string ClusterId, string ServiceId,
    string? TlsCertificate = null, string? TlsPassword = null, bool TlsInsecure = false)
{
    public const string DefaultGateway = "127.0.0.1:30000";

    public string Describe() => Postgres is not null ? "the gateways listed in PostgreSQL" : $"gateway {Gateway ?? DefaultGateway}";
}

/// <summary>An Orleans client connected to the cluster, or a <see cref="CliException"/> with exit code 4 within the timeout.</summary>
internal static class ClusterConnection
{
    /// <summary>How long connecting may take before "cluster unreachable": well under the 10 s a user waits.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(7);

    public static async Task<IHost> ConnectAsync(ClusterTarget target, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.None);
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
                    throw new CliException(ErrorCodes.InvalidRequest, $"--tls-cert '{certificate}' is not a readable PKCS#12 certificate: {ex.Message}", "tls-cert");
                }
                client.UseTls(loaded, tls =>
                {
                    if (target.TlsInsecure) tls.AllowAnyRemoteCertificate();
                });
            }
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
        catch (Exception ex) when (ex is not CliException)
        {
            host.Dispose();
            var why = ex is OperationCanceledException ? $"no answer within {ConnectTimeout.TotalSeconds:0} s" : ex.Message.Split('\n')[0];
            throw new CliException(ErrorCodes.ClusterUnreachable, $"Cannot reach the cluster through {target.Describe()}: {why}");
        }
    }

    public static IPEndPoint ParseGateway(string gateway)
    {
        var colon = gateway.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(gateway[(colon + 1)..], out var port) || port is < 1 or > 65535)
            throw new CliException(ErrorCodes.InvalidRequest, $"--gateway must be HOST:PORT, not '{gateway}'.", "gateway");
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
            throw new CliException(ErrorCodes.ClusterUnreachable, $"Cannot resolve gateway host '{host}': {ex.Message}", "gateway");
        }
    }
}

/// <summary>An error the CLI reports with the protocol's error contract.</summary>
internal sealed class CliException(string code, string message, string? field = null) : Exception(message)
{
    public string Code { get; } = code;
    public string? Field { get; } = field;
}
