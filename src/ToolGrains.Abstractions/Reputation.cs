using System.Collections.Immutable;

namespace ToolGrains;

/// <summary>A failure of a tool to record (the <c>mark_tool_failure</c> operation, DESIGN.md §5).</summary>
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

/// <summary>The answer of <c>mark_tool_failure</c> (DESIGN.md §5).</summary>
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
[GenerateSerializer, Immutable, Alias("ToolGrains.ToolAssessment")]
public sealed record ToolAssessment(
    [property: Id(0)] string ToolId,
    [property: Id(1)] double Quality,
    [property: Id(2)] ImmutableArray<string> NegativeTags,
    [property: Id(3)] bool Deprecated,
    [property: Id(4)] long SimilarFailures,
    [property: Id(5)] double FailureDemotion,
    [property: Id(6)] double BestSimilarity);

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
    [property: Id(14)] ImmutableArray<QualityChange> QualityHistory);

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
