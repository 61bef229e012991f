using System.Globalization;
using System.Text.Json;

namespace ToolGrains.Core.Reputation;

/// <summary>
/// What a failed tool call says about the tool (issue 15). The kind decides what the failure teaches:
/// <list type="bullet">
/// <item><see cref="Transient"/>: the tool is down, overloaded or slow (timeout, HTTP 408/429/5xx, connection
/// refused, exit code 75 or 69). Feeds the tool's <see cref="CircuitBreaker"/> only: no quality demotion, no
/// negative tag, no failure pattern, no competence evidence. A <c>Retry-After</c> is honoured.</item>
/// <item><see cref="Permanent"/>: the tool cannot do this kind of request (unsupported input, another 4xx, any
/// other non-zero exit, a crash, invalid output). Feeds the competence estimate for the request's kind, the
/// failure memory and the negative tags.</item>
/// <item><see cref="CallerError"/>: the request itself was bad (HTTP 400/422, exit code 64, an error of kind
/// <c>invalid_request</c>). Not the tool's fault; it teaches nothing.</item>
/// </list>
/// </summary>
public enum FaultKind
{
    /// <summary>No failure.</summary>
    None = 0,
    Transient = 1,
    Permanent = 2,
    CallerError = 3,
}

/// <summary>How a tool's answer maps to a <see cref="FaultKind"/>: the contract of HTTP and executable tools.</summary>
public static class FaultClassifier
{
    /// <summary>Exit code of an executable for a transient fault: 75 (<c>EX_TEMPFAIL</c> of sysexits.h).</summary>
    public const int TransientExitCode = 75;

    /// <summary>Exit code of an executable whose backend is unavailable: 69 (<c>EX_UNAVAILABLE</c>), also transient.</summary>
    public const int UnavailableExitCode = 69;

    /// <summary>Exit code of an executable refusing a malformed request: 64 (<c>EX_USAGE</c>), the caller's error.</summary>
    public const int UsageExitCode = 64;

    /// <summary>HTTP: 2xx none; 400 and 422 the caller's error; 408, 425 and 429 transient; other 4xx permanent;
    /// 501 and 505 permanent (the tool will never do it); other 5xx transient.</summary>
    public static FaultKind OfHttpStatus(int status) => status switch
    {
        >= 200 and < 300 => FaultKind.None,
        400 or 422 => FaultKind.CallerError,
        408 or 425 or 429 => FaultKind.Transient,
        >= 400 and < 500 => FaultKind.Permanent,
        501 or 505 => FaultKind.Permanent,
        >= 500 and < 600 => FaultKind.Transient,
        _ => FaultKind.Permanent,
    };

    /// <summary>Executables: 0 none; 75 and 69 transient; 64 the caller's error; any other code permanent.</summary>
    public static FaultKind OfExitCode(int exitCode) => exitCode switch
    {
        0 => FaultKind.None,
        TransientExitCode or UnavailableExitCode => FaultKind.Transient,
        UsageExitCode => FaultKind.CallerError,
        _ => FaultKind.Permanent,
    };

    /// <summary>The protocol's name of a kind: <c>transient</c>, <c>permanent</c>, <c>invalid_request</c>; null for none.</summary>
    public static string? ToProtocolName(this FaultKind kind) => kind switch
    {
        FaultKind.Transient => "transient",
        FaultKind.Permanent => "permanent",
        FaultKind.CallerError => ErrorCodes.InvalidRequest,
        _ => null,
    };

    /// <summary>Parses a kind as a tool may name it in its JSON error (any case): <c>transient</c>,
    /// <c>permanent</c>, <c>invalid_request</c> (or <c>bad_request</c>); anything else is null.</summary>
    public static FaultKind? Parse(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "transient" => FaultKind.Transient,
        "permanent" => FaultKind.Permanent,
        ErrorCodes.InvalidRequest or "bad_request" => FaultKind.CallerError,
        _ => null,
    };

    /// <summary>
    /// The error a tool wrote as JSON (executables on stdout with a non-zero exit): an object
    /// <c>{"error": {"kind": "transient"|"permanent"|"invalid_request", "message": "...", "retry_after_seconds": 2}}</c>.
    /// Null when the text is not such an object or names no known kind.
    /// </summary>
    public static (FaultKind Kind, string? Message, TimeSpan? RetryAfter)? ParseErrorJson(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.TrimStart()[0] != '{')
            return null;
        try
        {
            using var document = JsonDocument.Parse(text);
            if (!document.RootElement.TryGetProperty("error", out var error) || error.ValueKind != JsonValueKind.Object)
                return null;
            if (!error.TryGetProperty("kind", out var kindElement) || kindElement.ValueKind != JsonValueKind.String
                || Parse(kindElement.GetString()) is not { } kind)
                return null;
            var message = error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            TimeSpan? retryAfter = error.TryGetProperty("retry_after_seconds", out var r) && r.ValueKind == JsonValueKind.Number
                && r.TryGetDouble(out var seconds) && seconds >= 0 && seconds < TimeSpan.MaxValue.TotalSeconds / 2
                ? TimeSpan.FromSeconds(seconds) : null;
            return (kind, message, retryAfter);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>An HTTP <c>Retry-After</c> value (delta-seconds or an HTTP date) as a delay from <paramref name="now"/>;
    /// null when absent or unreadable, zero for a date already past.</summary>
    public static TimeSpan? ParseRetryAfter(string? value, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(value))
            return null;
        value = value.Trim();
        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            return TimeSpan.FromSeconds(Math.Min(seconds, 365L * 24 * 3600));
        if (DateTimeOffset.TryParseExact(value, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            return at > now ? at - now : TimeSpan.Zero;
        return null;
    }
}
