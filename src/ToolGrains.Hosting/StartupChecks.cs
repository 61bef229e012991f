using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace ToolGrains.Hosting;

/// <summary>
/// Checks a silo makes before it starts, so a bad configuration stops it with one line naming the key
/// instead of a stack trace or a silo that half starts.
/// </summary>
public static class StartupChecks
{
    public static IReadOnlyList<string> Run(ToolGrainsOptions options)
    {
        var errors = options.Validate().ToList();
        if (errors.Count > 0) return errors;

        foreach (var (key, port) in new[] { ("SiloPort", options.SiloPort), ("GatewayPort", options.GatewayPort), ("HttpPort", options.HttpPort) })
        {
            if (port != 0 && !PortIsFree(port))
                errors.Add($"ToolGrains:{key}: port {port} is already in use.");
        }
        if (options.TlsCertificatePath is { Length: > 0 } certificate)
        {
            try
            {
                using var _ = TlsCertificates.Load(certificate, options.TlsCertificatePassword);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                errors.Add($"ToolGrains:TlsCertificatePath: '{certificate}' is not a readable PKCS#12 certificate: {ex.Message}");
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
                errors.Add($"ToolGrains:DataDir: '{options.DataDir}' cannot be written: {ex.Message}");
            }
        }
        else
        {
            try
            {
                _ = new NpgsqlConnectionStringBuilder(options.ConnectionString);
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException or KeyNotFoundException)
            {
                errors.Add($"ToolGrains:ConnectionString: not a valid Npgsql connection string: {ex.Message}");
            }
        }
        return errors;
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
