using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using ToolGrains.Hosting.Validation;

namespace ToolGrains.Hosting;

/// <summary>
/// What a silo checks before it starts, so a bad configuration stops it with one line per problem naming the key
/// instead of a stack trace or a silo that half starts: every options class through its validator (as the host
/// checks them again on start), then what only the machine can answer: the ports are free, the TLS certificate
/// reads, the embedded profile's data folder is writable.
/// </summary>
public static class StartupProbes
{
    public static IReadOnlyList<string> Run(IConfiguration configuration)
    {
        var errors = configuration.ToolGrainsOptionsErrors();
        if (errors.Count > 0) return errors;

        var options = configuration.GetSection(ToolGrainsOptions.SectionName).Get<ToolGrainsOptions>() ?? new ToolGrainsOptions();
        var problems = new List<string>();
        foreach (var (key, port) in new[] { ("SiloPort", options.SiloPort), ("GatewayPort", options.GatewayPort), ("HttpPort", options.HttpPort) })
        {
            if (port != 0 && !PortIsFree(port))
                problems.Add($"ToolGrains:{key}: port {port} is already in use.");
        }
        if (options.TlsCertificatePath is { Length: > 0 } certificate)
        {
            try
            {
                using var _ = TlsCertificates.Load(certificate, options.TlsCertificatePassword);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                problems.Add($"ToolGrains:TlsCertificatePath: '{certificate}' is not a readable PKCS#12 certificate: {ex.Message}");
            }
        }
        if (!options.IsPostgres)
        {
            try
            {
                var dir = Path.GetFullPath(options.DataDir);
                Directory.CreateDirectory(dir);
                var probe = Path.Combine(dir, $".write-probe-{Environment.ProcessId}");
                File.WriteAllText(probe, "ok");
                File.Delete(probe);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
            {
                problems.Add($"ToolGrains:DataDir: '{options.DataDir}' cannot be written: {ex.Message}");
            }
        }
        return problems;
    }

    private static bool PortIsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Any, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
