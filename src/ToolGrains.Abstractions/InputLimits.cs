namespace ToolGrains;

/// <summary>
/// Bounds on free text that is stored or embedded (scenarios, error messages), so that one request cannot make a
/// reputation state, the failure memory or the embedder's cache large.
/// </summary>
public static class InputLimits
{
    /// <summary>Longest scenario, in characters: a request, not a document.</summary>
    public const int MaxScenarioChars = 4096;

    /// <summary>Longest error message kept; a longer one keeps its start and says it was cut.</summary>
    public const int MaxErrorMessageChars = 4096;

    /// <summary>Throws <c>invalid_request</c> naming <c>scenario</c> when it is blank or too long; returns it trimmed.</summary>
    public static string Scenario(string? scenario)
    {
        if (string.IsNullOrWhiteSpace(scenario))
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, "'scenario' is required and must not be blank.", "scenario");
        if (scenario.Length > MaxScenarioChars)
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, $"'scenario' is {scenario.Length} characters; at most {MaxScenarioChars}.", "scenario");
        return scenario.Trim();
    }

    /// <summary>The error message cut to <see cref="MaxErrorMessageChars"/>.</summary>
    public static string? ErrorMessage(string? message) =>
        message is { Length: > MaxErrorMessageChars } ? message[..(MaxErrorMessageChars - 1)] + "…" : message;
}
