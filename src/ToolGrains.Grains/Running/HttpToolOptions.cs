namespace ToolGrains.Grains.Running;

/// <summary>Where HTTP tools may send requests (<c>ToolGrains:HttpTools</c>).</summary>
public sealed class HttpToolOptions
{
    /// <summary>
    /// Host names (or IP addresses) HTTP tools may call, matched exactly, case-insensitively; when set, no other.
    /// Link-local and cloud metadata addresses are refused even when listed. Default: empty, any other host.
    /// </summary>
    public List<string> AllowedHosts { get; set; } = [];
}
