using System.Collections.Immutable;

namespace ToolGrains;

/// <summary>A failure of a tool to record (the <c>mark_tool_failure</c> operation, docs/architecture.md).</summary>
/// <param name="Scenario">What the tool was asked to do; required, not blank.</param>
/// <param name="ErrorMessage">The error the tool gave, if any.</param>
/// <param name="Severity"><c>low</c>, <c>medium</c> or <c>high</c>; null or empty means medium.</param>
/// <param name="ScenarioEmbedding">The scenario's embedding when the caller has it already (the resilient
/// invoker does); empty makes the reputation grain embed the scenario itself.</param>
[GenerateSerializer, Immutable, Alias("ToolGrains.ToolFailureReport")]
public sealed record ToolFailureReport(
    [property: Id(0)] string Scenario,
    [property: Id(1)] string? ErrorMessage = null,
    [property: Id(2)] string? Severity = null,
    [property: Id(3)] ImmutableArray<float> ScenarioEmbedding = default);

/// <summary>The answer of <c>mark_tool_failure</c> (docs/architecture.md).</summary>
[GenerateSerializer, Immutable, Alias("ToolGrains.MarkFailureResult")]
public sealed record MarkFailureResult(
    [property: Id(0)] string ToolId,
    [property: Id(1)] double QualityBefore,
    [property: Id(2)] double QualityAfter,
    [property: Id(3)] ImmutableArray<string> NegativeTagsAdded,
    [property: Id(4)] ImmutableArray<string> NegativeTags,
    [property: Id(5)] long FailureCount,
    [property: Id(6)] bool Deprecated);

/// <summary>A success recorded on a tool: its quality recovers, never past the registered quality.</summary>
[GenerateSerializer, Immutable, Alias("ToolGrains.RecordSuccessResult")]
public sealed record RecordSuccessResult(
    [property: Id(0)] string ToolId,
    [property: Id(1)] double QualityBefore,
    [property: Id(2)] double QualityAfter,
    [property: Id(3)] long SuccessCount);

/// <summary>What a tool's reputation says about one scenario: what the ranking needs, in one call.</summary>
/// <param name="SimilarFailures">Past failures (in failure patterns) similar to the scenario.</param>
/// <param name="FailureDemotion">Subtracted from the scenario's similarity when ranking; 0 when none is similar.</param>
/// <param name="BestSimilarity">Highest cosine of a similar failure pattern with the scenario; 0 when none.</param>
/// <param name="Competence">Estimated probability that the tool succeeds for this kind of request (from the declared
/// quality as the prior and the tool's successes and permanent failures, per kind); 1 when unknown.</param>
/// <param name="ToolCompetence">The same over every kind of request: the prior of a kind the tool has not seen.</param>
/// <param name="KindProven">Successes outweigh permanent failures for this kind: a negative tag the request hits does not apply.</param>
/// <param name="Health">The circuit breaker's factor on the estimate: 1 healthy, 1/2 after one fresh transient fault.</param>
/// <param name="Breaker"><c>closed</c>, <c>open</c> or <c>half_open</c>.</param>
/// <param name="Excluded">Skipped while another candidate remains: breaker open, or inside a <c>Retry-After</c>.</param>
[GenerateSerializer, Immutable, Alias("ToolGrains.ToolAssessment")]
public sealed record ToolAssessment(
    [property: Id(0)] string ToolId,
    [property: Id(1)] double Quality,
    [property: Id(2)] ImmutableArray<string> NegativeTags,
    [property: Id(3)] bool Deprecated,
    [property: Id(4)] long SimilarFailures,
    [property: Id(5)] double FailureDemotion,
    [property: Id(6)] double BestSimilarity,
    [property: Id(7)] double Competence = 1,
    [property: Id(8)] double ToolCompetence = 1,
    [property: Id(9)] bool KindProven = false,
    [property: Id(10)] double Health = 1,
    [property: Id(11)] string Breaker = "closed",
    [property: Id(12)] bool Excluded = false);

/// <summary>One call of a tool as the resilient invoker reports it to the tool's reputation (issue 15).</summary>
/// <param name="Scenario">The request's scenario.</param>
/// <param name="ScenarioEmbedding">Its embedding; empty makes the reputation grain embed it when it needs it.</param>
/// <param name="KindTerms">The request's kind terms (<c>RequestKind.Terms</c>: known scenario words and short input tokens).</param>
/// <param name="ErrorKind">Null for a success; <c>transient</c> or <c>permanent</c> for a failure (<c>ToolCallResult.ErrorKind</c>).</param>
/// <param name="ErrorMessage">The failure's error.</param>
/// <param name="Severity">For a permanent failure, its severity (<c>low</c>, <c>medium</c>, <c>high</c>); default high.</param>
/// <param name="RetryAfterSeconds">For a transient fault, how long the tool asked to be left alone.</param>
[GenerateSerializer, Immutable, Alias("ToolGrains.ToolOutcomeReport")]
public sealed record ToolOutcomeReport(
    [property: Id(0)] string Scenario,
    [property: Id(1)] ImmutableArray<float> ScenarioEmbedding,
    [property: Id(2)] ImmutableArray<string> KindTerms,
    [property: Id(3)] string? ErrorKind = null,
    [property: Id(4)] string? ErrorMessage = null,
    [property: Id(5)] string? Severity = null,
    [property: Id(6)] double? RetryAfterSeconds = null,
    [property: Id(7)] double? DurationMs = null);

/// <summary>A tool's circuit breaker as <c>tool_status</c>, analytics and the page show it.</summary>
/// <param name="State"><c>closed</c>, <c>open</c> or <c>half_open</c>.</param>
/// <param name="Reason">Why it is in that state (the last transition's reason); null when it never changed.</param>
/// <param name="OpenUntil">End of the cool-down, while open.</param>
/// <param name="FailureRate">Share of transient faults over the breaker's window.</param>
/// <param name="RetryAfterUntil">The tool asked not to be called before this.</param>
[GenerateSerializer, Immutable, Alias("ToolGrains.BreakerStatus")]
public sealed record BreakerStatus(
    [property: Id(0)] string State,
    [property: Id(1)] string? Reason,
    [property: Id(2)] DateTimeOffset? LastTransitionAt,
    [property: Id(3)] DateTimeOffset? OpenUntil,
    [property: Id(4)] int ConsecutiveFailures,
    [property: Id(5)] double FailureRate,
    [property: Id(6)] long TotalOpens,
    [property: Id(7)] DateTimeOffset? RetryAfterUntil,
    [property: Id(8)] double Health);

/// <summary>One kind of request a tool was called for, with its evidence (decayed counts).</summary>
[GenerateSerializer, Immutable, Alias("ToolGrains.CompetenceSummary")]
public sealed record CompetenceSummary(
    [property: Id(0)] string Scenario,
    [property: Id(1)] ImmutableArray<string> Terms,
    [property: Id(2)] double Successes,
    [property: Id(3)] double Failures,
    [property: Id(4)] int Calls,
    [property: Id(5)] DateTimeOffset LastSeen);

/// <summary>A negative tag with when and why it was added, kept for analytics.</summary>
[GenerateSerializer, Immutable, Alias("ToolGrains.NegativeTagRecord")]
public sealed record NegativeTagRecord(
    [property: Id(0)] string Tag,
    [property: Id(1)] DateTimeOffset AddedAt,
    [property: Id(2)] string Scenario,
    [property: Id(3)] string? ErrorMessage);

/// <summary>One change of a tool's quality, for trends.</summary>
/// <param name="Reason"><c>registered</c>, <c>failure:SEVERITY</c>, <c>success</c>, <c>deprecated</c>, <c>undeprecated</c>, <c>reregistered:VERSION</c>.</param>
[GenerateSerializer, Immutable, Alias("ToolGrains.QualityChange")]
public sealed record QualityChange(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] double Quality,
    [property: Id(2)] string Reason);

/// <summary>One raw failure of a tool, as kept among its most recent.</summary>
[GenerateSerializer, Immutable, Alias("ToolGrains.RecentFailure")]
public sealed record RecentFailure(
    [property: Id(0)] string Scenario,
    [property: Id(1)] string? ErrorMessage,
    [property: Id(2)] string Severity,
    [property: Id(3)] DateTimeOffset At);

/// <summary>A cluster of similar failures: what analytics shows as a "common failure scenario".</summary>
[GenerateSerializer, Immutable, Alias("ToolGrains.FailurePatternSummary")]
public sealed record FailurePatternSummary(
    [property: Id(0)] string RepresentativeScenario,
    [property: Id(1)] string LatestScenario,
    [property: Id(2)] string? LatestError,
    [property: Id(3)] int Count,
    [property: Id(4)] DateTimeOffset FirstSeen,
    [property: Id(5)] DateTimeOffset LastSeen,
    [property: Id(6)] ImmutableArray<string> Domains);

/// <summary>Everything known about one tool (the <c>tool_status</c> operation).</summary>
/// <param name="FailureCount">Failures the tool is blamed for (permanent ones and marked ones); transient faults are in <paramref name="TransientFailureCount"/>.</param>
/// <param name="Competence">The tool-wide estimated probability of success (declared quality as the prior).</param>
/// <param name="CompetenceKinds">The kinds of request with the most calls, with their evidence.</param>
/// <param name="LatencyP50Ms">Latency percentiles of the invoker's latest calls of the tool (kept in memory by the
/// tool's activation, not stored); null before any.</param>
[GenerateSerializer, Immutable, Alias("ToolGrains.ToolStatus")]
public sealed record ToolStatus(
    [property: Id(0)] ToolDescriptor Descriptor,
    [property: Id(1)] DateTimeOffset RegisteredAt,
    [property: Id(2)] double RegisteredQuality,
    [property: Id(3)] double Quality,
    [property: Id(4)] ImmutableArray<NegativeTagRecord> NegativeTags,
    [property: Id(5)] long UsageCount,
    [property: Id(6)] DateTimeOffset? LastUsedAt,
    [property: Id(7)] long FailureCount,
    [property: Id(8)] DateTimeOffset? LastFailureAt,
    [property: Id(9)] long SuccessCount,
    [property: Id(10)] bool Deprecated,
    [property: Id(11)] DateTimeOffset? DeprecatedAt,
    [property: Id(12)] ImmutableArray<RecentFailure> RecentFailures,
    [property: Id(13)] ImmutableArray<FailurePatternSummary> CommonFailures,
    [property: Id(14)] ImmutableArray<QualityChange> QualityHistory,
    [property: Id(15)] BreakerStatus? Breaker = null,
    [property: Id(16)] long TransientFailureCount = 0,
    [property: Id(17)] double Competence = 1,
    [property: Id(18)] ImmutableArray<CompetenceSummary> CompetenceKinds = default,
    [property: Id(19)] double? LatencyP50Ms = null,
    [property: Id(20)] double? LatencyP95Ms = null,
    [property: Id(21)] double? LatencyP99Ms = null);

/// <summary>A tool as the catalog keeps it: its descriptor and the embedding of its description,
/// computed once at registration.</summary>
/// <param name="EmbeddingModel">The model that made <paramref name="DescriptionEmbedding"/> (a scenario must be embedded by the same one).</param>
[GenerateSerializer, Immutable, Alias("ToolGrains.CatalogTool")]
public sealed record CatalogTool(
    [property: Id(0)] ToolDescriptor Descriptor,
    [property: Id(1)] ImmutableArray<float> DescriptionEmbedding,
    [property: Id(2)] string? EmbeddingModel);

/// <summary>The catalog at one version; invokers keep it and ask again with the version they hold.</summary>
[GenerateSerializer, Immutable, Alias("ToolGrains.CatalogSnapshot")]
public sealed record CatalogSnapshot(
    [property: Id(0)] long Version,
    [property: Id(1)] ImmutableArray<CatalogTool> Tools);

/// <summary>How a plain tool call is made.</summary>
/// <param name="DisableTracking">Do not count this call in the tool's usage (the <c>disable_tracking</c> flag).</param>
[GenerateSerializer, Immutable, Alias("ToolGrains.ToolCallOptions")]
public sealed record ToolCallOptions(
    [property: Id(0)] bool DisableTracking = false);
