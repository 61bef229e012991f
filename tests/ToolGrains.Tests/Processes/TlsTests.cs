using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Microsoft.Extensions.Hosting;
using ToolGrains.Tests.Infrastructure;

namespace ToolGrains.Tests.Processes;

/// <summary>TLS between clients and silos (Microsoft.Orleans.Connections.Security) on a self-signed certificate.</summary>
[Collection(ProcessCollection.Name)]
public sealed class TlsTests
{
    private static string SelfSignedPfx(string dir)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=toolgrains-test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false)); // server and client auth
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        var path = Path.Combine(dir, "silo.pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, "test-pass"));
        return path;
    }

    /// <summary>A silo on a fresh self-signed certificate (password test-pass) that accepts any peer certificate.</summary>
    private static async Task<(SiloProcess Silo, string Pfx)> StartTlsSiloAsync(string name, bool requireClientCertificate = false)
    {
        var dir = Repo.NewTempDir(name);
        var pfx = SelfSignedPfx(dir);
        var silo = await SiloProcess.StartAsync(dir, new()
        {
            ["DataDir"] = Path.Combine(dir, "data"),
            ["TlsCertificatePath"] = pfx,
            ["TlsCertificatePassword"] = "test-pass",
            ["TlsAllowAnyRemoteCertificate"] = "true",
            ["TlsRequireClientCertificate"] = requireClientCertificate ? "true" : "false",
        });
        return (silo, pfx);
    }

    [Fact]
    public async Task A_TLS_silo_talks_to_a_TLS_client_and_refuses_a_plain_one()
    {
        var (silo, pfx) = await StartTlsSiloAsync("tls");
        await using var _ = silo;

        var secure = await ProcessRunner.CliAsync(["--gateway", silo.Gateway, "--tls-cert", pfx, "--tls-password", "test-pass", "--tls-insecure", "--json", "cluster", "status"]);
        Assert.True(secure.ExitCode == 0, secure.ToString());
        Assert.Equal(1, JsonDocument.Parse(secure.Stdout).RootElement.GetProperty("active").GetInt32());

        var plain = await ProcessRunner.CliAsync(["--gateway", silo.Gateway, "--json", "cluster", "status"]);
        Assert.Equal(4, plain.ExitCode);

        Assert.DoesNotContain("test-pass", silo.Log);
    }

    [Fact]
    public async Task With_client_certificates_required_a_TLS_client_without_one_is_refused()
    {
        var (silo, pfx) = await StartTlsSiloAsync("mtls", requireClientCertificate: true);
        await using var _ = silo;

        var withCertificate = await ProcessRunner.CliAsync(["--gateway", silo.Gateway, "--tls-cert", pfx, "--tls-password", "test-pass", "--tls-insecure", "--json", "cluster", "status"]);
        Assert.True(withCertificate.ExitCode == 0, withCertificate.ToString());

        // TLS, but no certificate of its own to show.
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new Microsoft.Extensions.Hosting.HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(client => client
            .UseStaticClustering(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, silo.GatewayPort))
            .Configure<Orleans.Configuration.ClusterOptions>(o => o.ClusterId = o.ServiceId = "toolgrains")
            .UseTls(tls => tls.AllowAnyRemoteCertificate()));
        using var host = builder.Build();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await host.StartAsync(timeout.Token);
            await host.Services.GetRequiredService<IClusterClient>().GetGrain<IManagementGrain>(0).GetHosts();
        });
    }

    [Fact]
    public async Task A_certificate_that_cannot_be_loaded_stops_the_silo_with_its_key()
    {
        var dir = Repo.NewTempDir("tls-bad");
        var bogus = Path.Combine(dir, "bogus.pfx");
        await File.WriteAllTextAsync(bogus, "not a certificate");
        await using var silo = await SiloProcess.StartAsync(dir, new() { ["DataDir"] = Path.Combine(dir, "data"), ["TlsCertificatePath"] = bogus }, waitReady: false);
        Assert.NotEqual(0, await silo.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("ToolGrains:TlsCertificatePath", silo.Log);
    }
}
