using System.Collections.Immutable;

namespace ToolGrains;

/// <summary>
/// What the cluster has learned about its tools, computed from the reputation grains of the tools the
/// catalog lists (never by scanning storage): served at <c>GET /api/analytics</c> and by
/// <c>toolgrains analytics</c>.
/// </summary>
[Alias("ToolGrains.IAnalyticsGrain")]
public interface IAnalyticsGrain : IGrainWithIntegerKey
{
    [Alias("GetReport")] Task<AnalyticsReport> GetReportAsync();

    /// <summary>The report as the snake_case JSON of <c>/api/analytics</c> and <c>toolgrains analytics --json</c>.</summary>
    [Alias("GetReportJson")] Task<string> GetReportJsonAsync();
}

/// <summary>The analytics of all registered tools at <paramref name="GeneratedAt"/>.</summary>
/// <param name="ToolCount">Registered tools.</param>
/// <param name="TotalFailures">Failures recorded over all tools.</param>
/// <param name="MostFailedTools">Tools with at least one failure, most failures first.</param>
/// <param name="CommonFailureScenarios">Failure patterns of all tools grouped by scenario similarity, most failures first.</param>
/// <param name="QualityTrends">Each tool's quality history, oldest change first; tools by id.</param>
/// <param name="NegativeTagHistory">Every negative tag of every tool, when it appeared and why, oldest first.</param>
/// <param name="DeprecatedTools">Tools now deprecated, most recently deprecated first.</param>
/// <param name="Usage">Every tool's usage, most used first.</param>
[GenerateSerializer, Immutable, Alias("ToolGrains.AnalyticsReport")]
public sealed record AnalyticsReport(
    [property: Id(0)] DateTimeOffset GeneratedAt,
    [property: Id(1)] int ToolCount,
    [property: Id(2)] long TotalFailures,
    [property: Id(3)] ImmutableArray<ToolFailureCount> MostFailedTools,
    [property: Id(4)] ImmutableArray<FailureScenarioGroup> CommonFailureScenarios,
    [property: Id(5)] ImmutableArray<ToolQualityTrend> QualityTrends,
    [property: Id(6)] ImmutableArray<NegativeTagEvent> NegativeTagHistory,
    [property: Id(7)] ImmutableArray<DeprecatedTool> DeprecatedTools,
    [property: Id(8)] ImmutableArray<ToolUsage> Usage,
    [property: Id(9)] ImmutableArray<ToolHealth> Health = default);

/// <summary>One tool's health (issue 15): its calls by the resilient invoker, their error rate and latency, and its breaker.</summary>
/// <param name="Calls">Successes, permanent failures and transient faults recorded.</param>
/// <param name="ErrorRate">Failures of either kind over <paramref name="Calls"/>; 0 without calls.</param>
/// <param name="LatencyP50Ms">Latency percentiles of the calls this silo's activation of the tool saw lately; null without any.</param>
/// <param name="Breaker"><c>closed</c>, <c>open</c> or <c>half_open</c>.</param>
/// <param name="Competence">Tool-wide estimated probability of success.</param>
[GenerateSerializer, Immutable, Alias("ToolGrains.ToolHealth")]
public sealed record ToolHealth(
    [property: Id(0)] string ToolId,
    [property: Id(1)] long Calls,
    [property: Id(2)] double ErrorRate,
    [property: Id(3)] long TransientFailures,
    [property: Id(4)] double? LatencyP50Ms,
    [property: Id(5)] double? LatencyP95Ms,
    [property: Id(6)] double? LatencyP99Ms,
    [property: Id(7)] string Breaker,
    [property: Id(8)] string? BreakerReason,
    [property: Id(9)] DateTimeOffset? BreakerChangedAt,
    [property: Id(10)] double Competence);

[GenerateSerializer, Immutable, Alias("ToolGrains.ToolFailureCount")]
public sealed record ToolFailureCount(
    [property: Id(0)] string ToolId,
    [property: Id(1)] long FailureCount,
    [property: Id(2)] double Quality,
    [property: Id(3)] double RegisteredQuality,
    [property: Id(4)] DateTimeOffset? LastFailureAt,
    [property: Id(5)] bool Deprecated);

/// <summary>Similar failures, possibly of several tools.</summary>
/// <param name="Name">The representative scenario of the group's largest failure pattern.</param>
/// <param name="Count">Failures in the group.</param>
/// <param name="Tools">Failures per tool, most first.</param>
/// <param name="Scenarios">The representative scenarios of the member patterns, largest first.</param>
/// <param name="LatestError">The error of the group's latest failure.</param>
[GenerateSerializer, Immutable, Alias("ToolGrains.FailureScenarioGroup")]
public sealed record FailureScenarioGroup(
    [property: Id(0)] string Name,
    [property: Id(1)] long Count,
    [property: Id(2)] ImmutableArray<ToolScenarioCount> Tools,
    [property: Id(3)] ImmutableArray<string> Scenarios,
    [property: Id(4)] DateTimeOffset FirstSeen,
    [property: Id(5)] DateTimeOffset LastSeen,
    [property: Id(6)] string? LatestError);

[GenerateSerializer, Immutable, Alias("ToolGrains.ToolScenarioCount")]
public sealed record ToolScenarioCount(
    [property: Id(0)] string ToolId,
    [property: Id(1)] long Count);

/// <summary>One tool's quality over time: its <see cref="QualityChange"/> history (capped by the grain).</summary>
[GenerateSerializer, Immutable, Alias("ToolGrains.ToolQualityTrend")]
public sealed record ToolQualityTrend(
    [property: Id(0)] string ToolId,
    [property: Id(1)] double RegisteredQuality,
    [property: Id(2)] double Quality,
    [property: Id(3)] ImmutableArray<QualityChange> Points);

/// <summary>A negative tag of a tool: when it appeared and the failure that caused it.</summary>
[GenerateSerializer, Immutable, Alias("ToolGrains.NegativeTagEvent")]
public sealed record NegativeTagEvent(
    [property: Id(0)] string ToolId,
    [property: Id(1)] string Tag,
    [property: Id(2)] DateTimeOffset AddedAt,
    [property: Id(3)] string Scenario,
    [property: Id(4)] string? ErrorMessage);

[GenerateSerializer, Immutable, Alias("ToolGrains.DeprecatedTool")]
public sealed record DeprecatedTool(
    [property: Id(0)] string ToolId,
    [property: Id(1)] DateTimeOffset? DeprecatedAt,
    [property: Id(2)] double Quality,
    [property: Id(3)] long FailureCount);

[GenerateSerializer, Immutable, Alias("ToolGrains.ToolUsage")]
public sealed record ToolUsage(
    [property: Id(0)] string ToolId,
    [property: Id(1)] long UsageCount,
    [property: Id(2)] DateTimeOffset? LastUsedAt,
    [property: Id(3)] long SuccessCount,
    [property: Id(4)] long FailureCount);
