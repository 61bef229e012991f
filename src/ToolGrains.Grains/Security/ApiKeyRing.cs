using System.Security.Cryptography;
using System.Text;

namespace ToolGrains.Grains.Security;

/// <summary>
/// The configured API keys, held only as SHA-256 hashes, each with its role. Empty means no keys: every caller
/// acts as <see cref="ToolGrainsRole.Admin"/> (a loopback silo, or one started with <c>AllowAnonymous</c>).
/// </summary>
public sealed class ApiKeyRing
{
    private readonly Dictionary<string, ToolGrainsRole> _roleByHash = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ToolGrainsRole> _roleByCookie = new(StringComparer.Ordinal);

    public ApiKeyRing(IEnumerable<(string Key, ToolGrainsRole Role)> keys)
    {
        // The same key listed twice keeps its highest role.
        foreach (var (key, role) in keys)
        {
            var hash = Hash(key);
            if (_roleByHash.TryGetValue(hash, out var known) && known >= role) continue;
            _roleByHash[hash] = role;
            _roleByCookie[CookieValue(key)] = role;
        }
    }

    public static ApiKeyRing None { get; } = new([]);

    /// <summary>Whether callers must present a key.</summary>
    public bool Required => _roleByHash.Count > 0;

    /// <summary>The role of a presented key, or null when it is no configured key. Looked up by hash, so the
    /// time taken says nothing about how much of a key matched.</summary>
    public ToolGrainsRole? Resolve(string? presented) =>
        presented is { Length: > 0 } && _roleByHash.TryGetValue(Hash(presented), out var role) ? role : null;

    /// <summary>The role of a browser cookie made by <see cref="CookieValue"/>, or null.</summary>
    public ToolGrainsRole? ResolveCookie(string? cookie) =>
        cookie is { Length: > 0 } && _roleByCookie.TryGetValue(cookie, out var role) ? role : null;

    /// <summary>The browser cookie standing for <paramref name="key"/>: a hash, so a leaked cookie is not the key.</summary>
    public static string CookieValue(string key) => Hash("toolgrains-page:" + key);

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>Parses a role name (<c>reader</c>, <c>caller</c>, <c>admin</c>, any case); null when unknown.</summary>
    public static ToolGrainsRole? ParseRole(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "reader" => ToolGrainsRole.Reader,
        "caller" => ToolGrainsRole.Caller,
        "admin" => ToolGrainsRole.Admin,
        _ => null,
    };
}
