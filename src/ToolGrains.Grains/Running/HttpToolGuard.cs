using System.Net;
using System.Net.Sockets;

namespace ToolGrains.Grains.Running;

/// <summary>
/// Keeps HTTP tools away from what a caller must not reach through the silo: cloud metadata services and
/// link-local addresses (checked at registration on the URL, and again at connect time on every address the
/// name resolves to, so DNS cannot swap one in later), hosts outside <see cref="HttpToolOptions.AllowedHosts"/>
/// when it is set, and any redirect (the handler never follows one).
/// </summary>
public sealed class HttpToolGuard(HttpToolOptions options)
{
    private static readonly HashSet<string> MetadataHosts = new(StringComparer.OrdinalIgnoreCase)
    {
        "metadata", "metadata.google.internal", "metadata.goog", "metadata.azure.com", "instance-data", "instance-data.ec2.internal",
    };

    /// <summary>Null when <paramref name="url"/> may be registered as an HTTP tool; otherwise why not.</summary>
    public string? WhyNotAllowed(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            return $"'{url}' is not an absolute http(s) URL.";
        if (!string.IsNullOrEmpty(uri.UserInfo)) return "An HTTP tool's URL must not carry credentials.";
        var host = uri.IdnHost.Trim('[', ']');
        if (MetadataHosts.Contains(host.TrimEnd('.'))) return $"'{host}' is a cloud metadata service; HTTP tools may not call it.";
        if (IPAddress.TryParse(host, out var address) && IsForbidden(address))
            return $"{address} is a link-local or metadata address; HTTP tools may not call it.";
        if (options.AllowedHosts.Count > 0 && !options.AllowedHosts.Contains(host, StringComparer.OrdinalIgnoreCase))
            return $"'{host}' is not in ToolGrains:HttpTools:AllowedHosts ({string.Join(", ", options.AllowedHosts)}).";
        return null;
    }

    /// <summary>Link-local (169.254.0.0/16, fe80::/10, where cloud metadata lives) and the other metadata addresses.</summary>
    public static bool IsForbidden(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] == 169 && b[1] == 254               // link-local, 169.254.169.254 among them
                || b is [100, 100, 100, 200]                // Alibaba Cloud metadata
                || b is [192, 0, 0, 192];                   // Oracle Cloud metadata
        }
        return address.IsIPv6LinkLocal || address.Equals(IPAddress.Parse("fd00:ec2::254"));
    }

    /// <summary>
    /// The handler every HTTP tool call goes through: no redirects, no proxy, and a connect step that resolves the
    /// host itself and refuses a forbidden address before a byte is sent.
    /// </summary>
    public static SocketsHttpHandler CreateHandler() => new()
    {
        AllowAutoRedirect = false,
        UseProxy = false,
        UseCookies = false,
        ConnectCallback = async (context, cancellationToken) =>
        {
            var host = context.DnsEndPoint.Host;
            var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
            if (addresses.Length == 0 || addresses.Any(IsForbidden))
                throw new HttpRequestException($"'{host}' resolves to a link-local or metadata address; HTTP tools may not call it.");
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };
}
