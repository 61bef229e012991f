using System.Collections.Immutable;
using System.Text.Json.Serialization;
using ToolGrains.Core.Specs;

namespace ToolGrains.Core.Protocol;

// The answers of the protocol whose shape differs from the grain's record (docs/architecture.md); the others
// (BufferWriteResult, BufferClearResult, MarkFailureResult) are serialized as they are.

/// <summary><c>{"error": {...}}</c>.</summary>
public sealed record ErrorDocument(ToolGrainsError Error);

/// <summary><c>buffer flush</c>: the items only when a queue without a tool returned them.</summary>
public sealed record BufferFlushResponse(
    string BufferId,
    int FlushedCount,
    string? BatchId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ImmutableArray<RawJson>? Items)
{
    public static BufferFlushResponse From(BufferFlushResult r) =>
        new(r.BufferId, r.FlushedCount, r.BatchId, r.Items is { } items ? [.. items.Select(i => new RawJson(i))] : null);
}

/// <summary><c>buffer status</c>.</summary>
public sealed record BufferStatusResponse(
    string BufferId,
    string Strategy,
    int MaxSize,
    double FlushIntervalSeconds,
    string? PassThroughTool,
    int Buffered,
    int InFlight,
    long TotalWritten,
    long TotalFlushed,
    long BatchesFlushed,
    DateTimeOffset? LastFlushAt,
    string? LastFlushReason,
    string? LastError,
    double? OldestItemAgeSeconds,
    int FailedAttempts)
{
    public static BufferStatusResponse From(BufferStatus s) => new(
        s.BufferId, s.Strategy.ToString().ToLowerInvariant(), s.MaxSize, s.FlushIntervalSeconds, s.PassThroughTool,
        s.Buffered, s.InFlight, s.TotalWritten, s.TotalFlushed, s.BatchesFlushed, s.LastFlushAt, s.LastFlushReason,
        s.LastError, s.OldestItemAgeSeconds is { } age ? Math.Round(age, 3) : null, s.FailedAttempts);
}

/// <summary><c>register_tool</c>.</summary>
public sealed record RegisterToolResponse(string ToolId, string Version, long CatalogVersion);

/// <summary><c>tool_status</c> (and each row of <c>toolgrains --json tools list</c>): descriptor fields, reputation,
/// counts, recent failures and common failure patterns.</summary>
public sealed record ToolStatusResponse(
    string ToolId,
    string Version,
    string Description,
    string Kind,
    double Quality,
    double RegisteredQuality,
    ImmutableArray<string> Tags,
    ImmutableArray<string> NegativeTags,
    long UsageCount,
    DateTimeOffset? LastUsedAt,
    long FailureCount,
    DateTimeOffset? LastFailureAt,
    long SuccessCount,
    bool Deprecated,
    DateTimeOffset? DeprecatedAt,
    DateTimeOffset RegisteredAt,
    ImmutableArray<RecentFailure> RecentFailures,
    ImmutableArray<FailurePatternResponse> CommonFailures,
    ImmutableArray<NegativeTagRecord> NegativeTagHistory,
    ImmutableArray<QualityChange> QualityHistory,
    long TransientFailureCount,
    double Competence,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] BreakerStatus? Breaker,
    ImmutableArray<CompetenceSummary> CompetenceKinds)
{
    public static ToolStatusResponse From(ToolStatus s)
    {
        var d = s.Descriptor;
        return new(d.Id, d.Version, d.Description, d.Kind.ToString().ToLowerInvariant(), s.Quality, s.RegisteredQuality,
            OrEmpty(d.Tags), [.. OrEmpty(s.NegativeTags).Select(t => t.Tag)], s.UsageCount, s.LastUsedAt, s.FailureCount,
            s.LastFailureAt, s.SuccessCount, s.Deprecated, s.DeprecatedAt, s.RegisteredAt, OrEmpty(s.RecentFailures),
            [.. OrEmpty(s.CommonFailures).Select(FailurePatternResponse.From)], OrEmpty(s.NegativeTags), OrEmpty(s.QualityHistory),
            s.TransientFailureCount, s.Competence, s.Breaker, OrEmpty(s.CompetenceKinds));
    }

    private static ImmutableArray<T> OrEmpty<T>(ImmutableArray<T> values) => values.IsDefault ? [] : values;
}

/// <summary>A common failure scenario of <c>tool_status</c>.</summary>
public sealed record FailurePatternResponse(
    string Scenario,
    string LatestScenario,
    string? LatestError,
    int Count,
    DateTimeOffset FirstSeen,
    DateTimeOffset LastSeen,
    ImmutableArray<string> Domains)
{
    public static FailurePatternResponse From(FailurePatternSummary p) =>
        new(p.RepresentativeScenario, p.LatestScenario, p.LatestError, p.Count, p.FirstSeen, p.LastSeen, p.Domains.IsDefault ? [] : p.Domains);
}

/// <summary><c>resilient_tool_call</c>: <c>result</c> is the successful tool's JSON as it answered.</summary>
/// <param name="Forced">Every tool carrying the tags was deprecated or had its breaker open: they were tried anyway.</param>
public sealed record ResilientCallResponse(
    bool Success,
    string? ToolId,
    RawJson? Result,
    int Candidates,
    bool Forced,
    ImmutableArray<AttemptResponse> Attempts)
{
    public static ResilientCallResponse From(ResilientCallResult r) => new(
        r.Success, r.ToolId, r.ResultJson is { } json ? new RawJson(json) : null, r.Candidates, r.Forced,
        [.. (r.Attempts.IsDefault ? [] : r.Attempts).Select(AttemptResponse.From)]);
}

/// <summary>One attempt of a resilient call; <c>forced</c> and <c>retry_after_seconds</c> only when they apply.</summary>
public sealed record AttemptResponse(
    string ToolId,
    double Score,
    double Similarity,
    double FailureDemotion,
    double Quality,
    string Outcome,
    string? Error,
    double DurationMs,
    string? Severity,
    bool NegativeTagHit,
    string? ErrorKind,
    string Breaker,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool Forced,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? RetryAfterSeconds)
{
    public static AttemptResponse From(InvocationAttempt a) => new(
        a.ToolId, a.Score, a.Similarity, a.FailureDemotion, a.Quality, a.Outcome, a.Error, a.DurationMs, a.Severity,
        a.NegativeTagHit, a.ErrorKind, a.Breaker, a.Forced, a.RetryAfterSeconds);
}

/// <summary><c>extract_spec_from_file</c>: requirements as their text.</summary>
public sealed record SpecResponse(string OverseerSpec, string FullSpec, SpecSectionsResponse Sections, SpecStats Stats, IReadOnlyList<SpecWarning> Warnings)
{
    public static SpecResponse From(SpecExtractionResult r) => new(
        r.OverseerSpec, r.FullSpec,
        new SpecSectionsResponse(r.Sections.Overview, [.. r.Sections.Requirements.Select(q => q.Text)], r.Sections.Constraints,
            r.Sections.Examples, r.Sections.CodeBlocks, r.Sections.Bullets),
        r.Stats, r.Warnings ?? []);
}

public sealed record SpecSectionsResponse(
    string Overview,
    IReadOnlyList<string> Requirements,
    IReadOnlyList<string> Constraints,
    IReadOnlyList<string> Examples,
    IReadOnlyList<SpecCodeBlock> CodeBlocks,
    IReadOnlyList<string> Bullets);
