namespace ToolGrains.Core.Reputation;

/// <summary>How badly a failure reflects on a tool; decides its quality demotion (see <see cref="QualityPolicy"/>).</summary>
public enum FailureSeverity
{
    /// <summary>Not the tool's fault (a bad request from the caller): recorded nowhere, never demoted.</summary>
    None = 0,
    Low = 1,
    Medium = 2,
    High = 3,
}

/// <summary>Parsing and naming of <see cref="FailureSeverity"/> as the JSON protocol spells it.</summary>
public static class FailureSeverities
{
    /// <summary>The protocol's default when a request names none: medium (docs/architecture.md).</summary>
    public const FailureSeverity Default = FailureSeverity.Medium;

    /// <summary>Parses "low", "medium" or "high" (any case, surrounding blanks ignored); null or empty gives <see cref="Default"/>.
    /// "none" is refused: a caller marking a failure means the tool was at fault.</summary>
    public static bool TryParse(string? text, out FailureSeverity severity)
    {
        severity = Default;
        if (string.IsNullOrWhiteSpace(text))
            return true;
        switch (text.Trim().ToLowerInvariant())
        {
            case "low": severity = FailureSeverity.Low; return true;
            case "medium": severity = FailureSeverity.Medium; return true;
            case "high": severity = FailureSeverity.High; return true;
            default: return false;
        }
    }

    /// <summary>The protocol's name: "none", "low", "medium" or "high".</summary>
    public static string ToProtocolName(this FailureSeverity severity) => severity switch
    {
        FailureSeverity.None => "none",
        FailureSeverity.Low => "low",
        FailureSeverity.Medium => "medium",
        FailureSeverity.High => "high",
        _ => throw new ArgumentOutOfRangeException(nameof(severity), severity, null),
    };
}

/// <summary>Why an attempt of the resilient invoker failed, as its executor saw it.</summary>
public enum InvocationFailureKind
{
    /// <summary>The tool did not answer within its timeout (its process tree was killed).</summary>
    Timeout = 0,
    /// <summary>The process exited with a non-zero code, or an HTTP tool answered 5xx.</summary>
    NonZeroExit = 1,
    /// <summary>The process could not start or died from a signal; an HTTP tool's connection failed.</summary>
    Crash = 2,
    /// <summary>Exit code 0 (or HTTP 2xx) but the output was empty, not JSON, or over the size limit.</summary>
    InvalidOutput = 3,
    /// <summary>The tool answered that the request itself was bad (HTTP 400/422, or an error of code
    /// <c>invalid_request</c>): the caller's fault, not the tool's.</summary>
    BadRequest = 4,
}

/// <summary>The resilient invoker's severity rule.</summary>
public static class InvocationSeverityRule
{
    /// <summary>
    /// The severity to mark a failed attempt with:
    /// <list type="bullet">
    /// <item><see cref="InvocationFailureKind.Timeout"/> → <see cref="FailureSeverity.Medium"/>: the tool may be
    /// slow or overloaded rather than broken, so it is demoted less than a crash.</item>
    /// <item><see cref="InvocationFailureKind.NonZeroExit"/>, <see cref="InvocationFailureKind.Crash"/> and
    /// <see cref="InvocationFailureKind.InvalidOutput"/> → <see cref="FailureSeverity.High"/>: the tool
    /// could not do the job, or broke its contract.</item>
    /// <item><see cref="InvocationFailureKind.BadRequest"/> → <see cref="FailureSeverity.None"/>: the
    /// caller's input was at fault; the failure is reported to the caller but not marked on the tool,
    /// so a tool is never demoted for refusing garbage.</item>
    /// </list>
    /// </summary>
    public static FailureSeverity SeverityOf(InvocationFailureKind kind) => kind switch
    {
        InvocationFailureKind.Timeout => FailureSeverity.Medium,
        InvocationFailureKind.NonZeroExit => FailureSeverity.High,
        InvocationFailureKind.Crash => FailureSeverity.High,
        InvocationFailureKind.InvalidOutput => FailureSeverity.High,
        InvocationFailureKind.BadRequest => FailureSeverity.None,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>Whether a failure of this kind is marked on the tool's reputation at all.</summary>
    public static bool IsToolsFault(InvocationFailureKind kind) => SeverityOf(kind) != FailureSeverity.None;
}
