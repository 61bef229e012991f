using ToolGrains.Core.Reputation;

namespace ToolGrains.Grains.Reputation;

// Core's circuit breaker and competence memory are plain models (testable without a cluster); these surrogates
// keep them in the reputation grain's persistent state as they are, like FailureMemorySurrogates.

[GenerateSerializer, Alias("ToolGrains.CircuitBreaker")]
public struct CircuitBreakerSurrogate
{
    // The enum lives in Core without Orleans attributes; its stable numeric value is stored.
    [Id(0)] public int State;
    [Id(1)] public List<bool> Window;
    [Id(2)] public int ConsecutiveFailures;
    [Id(3)] public int OpensInARow;
    [Id(4)] public long TotalOpens;
    [Id(5)] public DateTimeOffset? OpenUntil;
    [Id(6)] public DateTimeOffset? LastTransitionAt;
    [Id(7)] public string? Reason;
    [Id(8)] public DateTimeOffset? LastFailureAt;
    [Id(9)] public DateTimeOffset? RetryAfterUntil;
}

[RegisterConverter]
public sealed class CircuitBreakerConverter : IConverter<CircuitBreaker, CircuitBreakerSurrogate>
{
    public CircuitBreaker ConvertFromSurrogate(in CircuitBreakerSurrogate s) => new()
    {
        State = (BreakerState)s.State,
        Window = s.Window ?? [],
        ConsecutiveFailures = s.ConsecutiveFailures,
        OpensInARow = s.OpensInARow,
        TotalOpens = s.TotalOpens,
        OpenUntil = s.OpenUntil,
        LastTransitionAt = s.LastTransitionAt,
        Reason = s.Reason,
        LastFailureAt = s.LastFailureAt,
        RetryAfterUntil = s.RetryAfterUntil,
    };

    public CircuitBreakerSurrogate ConvertToSurrogate(in CircuitBreaker b) => new()
    {
        State = (int)b.State,
        Window = b.Window,
        ConsecutiveFailures = b.ConsecutiveFailures,
        OpensInARow = b.OpensInARow,
        TotalOpens = b.TotalOpens,
        OpenUntil = b.OpenUntil,
        LastTransitionAt = b.LastTransitionAt,
        Reason = b.Reason,
        LastFailureAt = b.LastFailureAt,
        RetryAfterUntil = b.RetryAfterUntil,
    };
}

[GenerateSerializer, Alias("ToolGrains.CompetenceMemory")]
public struct CompetenceMemorySurrogate
{
    [Id(0)] public List<CompetenceKind> Kinds;
    [Id(1)] public double Successes;
    [Id(2)] public double Failures;
    [Id(3)] public DateTimeOffset? UpdatedAt;
    [Id(4)] public long TotalSuccesses;
    [Id(5)] public long TotalFailures;
}

[RegisterConverter]
public sealed class CompetenceMemoryConverter : IConverter<CompetenceMemory, CompetenceMemorySurrogate>
{
    public CompetenceMemory ConvertFromSurrogate(in CompetenceMemorySurrogate s) => new()
    {
        Kinds = s.Kinds ?? [],
        Successes = s.Successes,
        Failures = s.Failures,
        UpdatedAt = s.UpdatedAt,
        TotalSuccesses = s.TotalSuccesses,
        TotalFailures = s.TotalFailures,
    };

    public CompetenceMemorySurrogate ConvertToSurrogate(in CompetenceMemory m) => new()
    {
        Kinds = m.Kinds,
        Successes = m.Successes,
        Failures = m.Failures,
        UpdatedAt = m.UpdatedAt,
        TotalSuccesses = m.TotalSuccesses,
        TotalFailures = m.TotalFailures,
    };
}

[GenerateSerializer, Alias("ToolGrains.CompetenceKind")]
public struct CompetenceKindSurrogate
{
    [Id(0)] public float[] Centroid;
    [Id(1)] public List<string> Terms;
    [Id(2)] public string Scenario;
    [Id(3)] public double Successes;
    [Id(4)] public double Failures;
    [Id(5)] public int Count;
    [Id(6)] public DateTimeOffset LastSeen;
}

[RegisterConverter]
public sealed class CompetenceKindConverter : IConverter<CompetenceKind, CompetenceKindSurrogate>
{
    public CompetenceKind ConvertFromSurrogate(in CompetenceKindSurrogate s) => new()
    {
        Centroid = s.Centroid ?? [],
        Terms = s.Terms ?? [],
        Scenario = s.Scenario ?? "",
        Successes = s.Successes,
        Failures = s.Failures,
        Count = s.Count,
        LastSeen = s.LastSeen,
    };

    public CompetenceKindSurrogate ConvertToSurrogate(in CompetenceKind k) => new()
    {
        Centroid = k.Centroid,
        Terms = k.Terms,
        Scenario = k.Scenario,
        Successes = k.Successes,
        Failures = k.Failures,
        Count = k.Count,
        LastSeen = k.LastSeen,
    };
}
