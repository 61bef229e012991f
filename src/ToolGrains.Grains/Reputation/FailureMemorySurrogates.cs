using ToolGrains.Core.Reputation;

namespace ToolGrains.Grains.Reputation;

// Core's failure memory is a plain model with no Orleans attributes (it stays testable without a
// cluster); these surrogates let a grain keep it in its persistent state as it is, so the grain
// never copies the memory back and forth on every failure.

[GenerateSerializer, Alias("ToolGrains.FailureMemory")]
public struct FailureMemorySurrogate
{
    [Id(0)] public List<FailurePattern> Patterns;
    [Id(1)] public List<FailureEntry> RecentFailures;
    [Id(2)] public long TotalFailures;
}

[RegisterConverter]
public sealed class FailureMemoryConverter : IConverter<FailureMemory, FailureMemorySurrogate>
{
    public FailureMemory ConvertFromSurrogate(in FailureMemorySurrogate surrogate) => new()
    {
        Patterns = surrogate.Patterns ?? [],
        RecentFailures = surrogate.RecentFailures ?? [],
        TotalFailures = surrogate.TotalFailures,
    };

    public FailureMemorySurrogate ConvertToSurrogate(in FailureMemory value) => new()
    {
        Patterns = value.Patterns,
        RecentFailures = value.RecentFailures,
        TotalFailures = value.TotalFailures,
    };
}

[GenerateSerializer, Alias("ToolGrains.FailurePattern")]
public struct FailurePatternSurrogate
{
    [Id(0)] public float[] Centroid;
    [Id(1)] public int Count;
    [Id(2)] public double DecayedCount;
    [Id(3)] public DateTimeOffset FirstSeen;
    [Id(4)] public DateTimeOffset LastSeen;
    [Id(5)] public string RepresentativeScenario;
    [Id(6)] public string LatestScenario;
    [Id(7)] public string? LatestError;
    [Id(8)] public int LowCount;
    [Id(9)] public int MediumCount;
    [Id(10)] public int HighCount;
    [Id(11)] public List<string> Domains;
}

[RegisterConverter]
public sealed class FailurePatternConverter : IConverter<FailurePattern, FailurePatternSurrogate>
{
    public FailurePattern ConvertFromSurrogate(in FailurePatternSurrogate s) => new()
    {
        Centroid = s.Centroid ?? [],
        Count = s.Count,
        DecayedCount = s.DecayedCount,
        FirstSeen = s.FirstSeen,
        LastSeen = s.LastSeen,
        RepresentativeScenario = s.RepresentativeScenario ?? "",
        LatestScenario = s.LatestScenario ?? "",
        LatestError = s.LatestError,
        LowCount = s.LowCount,
        MediumCount = s.MediumCount,
        HighCount = s.HighCount,
        Domains = s.Domains ?? [],
    };

    public FailurePatternSurrogate ConvertToSurrogate(in FailurePattern p) => new()
    {
        Centroid = p.Centroid,
        Count = p.Count,
        DecayedCount = p.DecayedCount,
        FirstSeen = p.FirstSeen,
        LastSeen = p.LastSeen,
        RepresentativeScenario = p.RepresentativeScenario,
        LatestScenario = p.LatestScenario,
        LatestError = p.LatestError,
        LowCount = p.LowCount,
        MediumCount = p.MediumCount,
        HighCount = p.HighCount,
        Domains = p.Domains,
    };
}

[GenerateSerializer, Alias("ToolGrains.FailureEntry")]
public struct FailureEntrySurrogate
{
    [Id(0)] public string Scenario;
    [Id(1)] public string? Error;
    // The enum lives in Core without Orleans attributes; its stable numeric value is stored.
    [Id(2)] public int Severity;
    [Id(3)] public DateTimeOffset At;
}

[RegisterConverter]
public sealed class FailureEntryConverter : IConverter<FailureEntry, FailureEntrySurrogate>
{
    public FailureEntry ConvertFromSurrogate(in FailureEntrySurrogate s) =>
        new() { Scenario = s.Scenario ?? "", Error = s.Error, Severity = (FailureSeverity)s.Severity, At = s.At };

    public FailureEntrySurrogate ConvertToSurrogate(in FailureEntry e) =>
        new() { Scenario = e.Scenario, Error = e.Error, Severity = (int)e.Severity, At = e.At };
}
