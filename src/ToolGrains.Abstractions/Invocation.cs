using System.Collections.Immutable;

namespace ToolGrains;

/// <summary>How a resilient call is made beyond its scenario, input, tags and attempts.</summary>
/// <param name="DeadlineSeconds">Overall deadline of the call, all attempts included; null for the silo's
/// default (<c>ToolGrains:Invoker:DefaultDeadline</c>, 60 s). An attempt cut short by it is not held against its tool.</param>
/// <param name="DisableTracking">Do not count the attempts in the tools' usage (the <c>disable_tracking</c> flag).
/// Failures and successes still teach the reputations.</param>
[GenerateSerializer, Immutable, Alias("ToolGrains.ResilientCallOptions")]
public sealed record ResilientCallOptions(
    [property: Id(0)] double? DeadlineSeconds = null,
    [property: Id(1)] bool DisableTracking = false);

/// <summary>A resilient tool call (the <c>resilient_tool_call</c> operation, docs/architecture.md).</summary>
/// <param name="Scenario">What is to be done, in words; ranks the candidates by similarity. Required.</param>
/// <param name="InputJson">The JSON document every attempted tool receives.</param>
/// <param name="Tags">Tags every candidate must carry (case-insensitive); empty for any tool.</param>
/// <param name="MaxAttempts">Most tools tried, at least 1. Default 5.</param>
/// <param name="Options">Deadline and tracking; null for the defaults.</param>
[GenerateSerializer, Immutable, Alias("ToolGrains.ResilientCallRequest")]
public sealed record ResilientCallRequest(
    [property: Id(0)] string Scenario,
    [property: Id(1)] string InputJson,
    [property: Id(2)] ImmutableArray<string> Tags,
    [property: Id(3)] int MaxAttempts = 5,
    [property: Id(4)] ResilientCallOptions? Options = null);

/// <summary>The outcomes of an attempt as the protocol spells them.</summary>
public static class AttemptOutcomes
{
    public const string Success = "success";
    public const string Failure = "failure";
    public const string Timeout = "timeout";
}

/// <summary>One tool tried by a resilient call: why it was chosen (its score breakdown) and what happened.</summary>
/// <param name="Score"><c>(Similarity − FailureDemotion) × Quality</c>.</param>
/// <param name="Outcome"><c>success</c>, <c>failure</c> or <c>timeout</c> (<see cref="AttemptOutcomes"/>).</param>
/// <param name="Severity">For a failure or timeout, the severity marked on the tool's reputation: <c>high</c>
/// (crash, non-zero exit, invalid output), <c>medium</c> (timeout), or <c>none</c> when it was not the tool's
/// fault (a bad request, or the call's overall deadline) and the tool was not demoted; null for a success.</param>
/// <param name="NegativeTagHit">The scenario hit one of the tool's negative tags, so it ranked after those that did not.</param>
/// <param name="Quality">The estimated probability that the tool succeeds for this request: its competence for the
/// request's kind (declared quality as the prior) times its breaker's health.</param>
/// <param name="ErrorKind">For a failure, <c>transient</c>, <c>permanent</c> or <c>invalid_request</c> (<see cref="ToolCallResult.ErrorKind"/>).</param>
/// <param name="Forced">The tool was deprecated or its breaker open, and was tried because no other candidate carried the tags.</param>
/// <param name="Breaker">The tool's breaker when it was ranked: <c>closed</c>, <c>open</c> or <c>half_open</c>.</param>
/// <param name="RetryAfterSeconds">How long the tool asked to be left alone, when it said.</param>
[GenerateSerializer, Immutable, Alias("ToolGrains.InvocationAttempt")]
public sealed record InvocationAttempt(
    [property: Id(0)] string ToolId,
    [property: Id(1)] double Score,
    [property: Id(2)] double Similarity,
    [property: Id(3)] double FailureDemotion,
    [property: Id(4)] double Quality,
    [property: Id(5)] string Outcome,
    [property: Id(6)] string? Error,
    [property: Id(7)] double DurationMs,
    [property: Id(8)] string? Severity,
    [property: Id(9)] bool NegativeTagHit,
    [property: Id(10)] string? ErrorKind = null,
    [property: Id(11)] bool Forced = false,
    [property: Id(12)] string Breaker = "closed",
    [property: Id(13)] double? RetryAfterSeconds = null);

/// <summary>A candidate as ranked for a scenario, best first: the score breakdown without running anything.</summary>
[GenerateSerializer, Immutable, Alias("ToolGrains.RankedCandidate")]
public sealed record RankedCandidate(
    [property: Id(0)] string ToolId,
    [property: Id(1)] double Score,
    [property: Id(2)] double Similarity,
    [property: Id(3)] double FailureDemotion,
    [property: Id(4)] double Quality,
    [property: Id(5)] bool NegativeTagHit,
    [property: Id(6)] ImmutableArray<string> MatchedNegativeTags,
    [property: Id(7)] bool Forced = false,
    [property: Id(8)] string Breaker = "closed");

/// <summary>The answer of a resilient call: which tool succeeded with what, and every attempt in order.
/// When every attempt failed, <see cref="Success"/> is false and nothing is thrown.</summary>
/// <param name="ResultJson">The successful tool's JSON output; null when none succeeded.</param>
/// <param name="Candidates">How many tools were ranked: those carrying the tags, less the deprecated and open ones
/// while any other remained.</param>
/// <param name="Forced">Every tool carrying the tags was deprecated or had its breaker open, so they were tried anyway.</param>
[GenerateSerializer, Immutable, Alias("ToolGrains.ResilientCallResult")]
public sealed record ResilientCallResult(
    [property: Id(0)] bool Success,
    [property: Id(1)] string? ToolId,
    [property: Id(2)] string? ResultJson,
    [property: Id(3)] ImmutableArray<InvocationAttempt> Attempts,
    [property: Id(4)] int Candidates,
    [property: Id(5)] bool Forced = false);

/// <summary>
/// Ranks the registered tools for a scenario, tries them in order and teaches each one's reputation
/// (issue 5). Stateless: one activation per silo core, each reading the silo's cached catalog.
/// </summary>
[Alias("ToolGrains.IResilientInvokerGrain")]
public interface IResilientInvokerGrain : IGrainWithIntegerKey
{
    /// <summary>Tries the best-ranked candidates until one succeeds. Throws <see cref="ToolGrainsException"/>
    /// <c>no_candidates</c> (field <c>tags</c>) when no registered tool carries every tag (deprecated and open tools are
    /// tried when nothing else carries them), and
    /// <c>invalid_request</c> naming the field for a blank scenario, input that is not JSON or max_attempts below 1.</summary>
    [Alias("Invoke")] Task<ResilientCallResult> InvokeAsync(ResilientCallRequest request);

    /// <summary>The ranking <see cref="InvokeAsync"/> would try, best first (of the shortlisted candidates), without
    /// running any tool: why a tool would be chosen. Same validation and errors as <see cref="InvokeAsync"/>.</summary>
    [Alias("Rank")] Task<ImmutableArray<RankedCandidate>> RankAsync(ResilientCallRequest request);
}

/// <summary>The tool calls as one-liners on any <see cref="IGrainFactory"/> (an <c>IClusterClient</c>, or a grain's <c>GrainFactory</c>).</summary>
public static class ToolCallExtensions
{
    /// <summary>The resilient call: rank the tools carrying <paramref name="tags"/> for <paramref name="scenario"/>,
    /// try up to <paramref name="maxAttempts"/> of them, learn from every failure.</summary>
    public static Task<ResilientCallResult> CallToolResilientAsync(
        this IGrainFactory grains, string scenario, string inputJson, IEnumerable<string> tags,
        int maxAttempts = 5, ResilientCallOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(tags);
        return grains.GetGrain<IResilientInvokerGrain>(0).InvokeAsync(
            new ResilientCallRequest(scenario, inputJson, [.. tags], maxAttempts, options));
    }

    /// <summary>The plain call of one tool by id: no ranking, no retry, counted in its usage unless disabled.</summary>
    public static Task<ToolCallResult> CallToolAsync(this IGrainFactory grains, string toolId, string inputJson, ToolCallOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(grains);
        return grains.GetGrain<IToolCallGrain>(0).CallToolAsync(toolId, inputJson, options ?? new ToolCallOptions());
    }
}
