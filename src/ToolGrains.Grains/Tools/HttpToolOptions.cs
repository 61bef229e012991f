namespace ToolGrains.Grains.Tools;

/// <summary>Where HTTP tools may send requests (<c>ToolGrains:HttpTools</c>).</summary>
public sealed class HttpToolOptions
{
    /// <summary>
    /// Host names (or IP addresses) HTTP tools may call, matched exactly, case-insensitively; when set, no other.
    /// Link-local and cloud metadata addresses are refused even when listed. Default: empty, any other host.
    /// </summary>
    public List<string> AllowedHosts { get; set; } = [];

    public IEnumerable<string> Validate()
    {
        for (var i = 0; i < AllowedHosts.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(AllowedHosts[i]) || AllowedHosts[i].Contains('/') || AllowedHosts[i].Contains(':') && !System.Net.IPAddress.TryParse(AllowedHosts[i], out _))
                yield return $"ToolGrains:HttpTools:AllowedHosts:{i}: '{AllowedHosts[i]}' is not a host name or IP address.";
        }
    }
}
