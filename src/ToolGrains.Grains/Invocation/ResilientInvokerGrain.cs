using System.Collections.Immutable;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Runtime;
using ToolGrains.Core.Protocol;
using ToolGrains.Core.Reputation;
using ToolGrains.Grains.Catalog;
using ToolGrains.Grains.Running;
using ToolGrains.Grains.Usage;

namespace ToolGrains.Grains.Invocation;

/// <summary>
/// The self-healing tool call (issues 5 and 15): shortlist the catalog's tools by similarity to the scenario,
/// fetch the shortlisted reputations in parallel, rank them with <see cref="ToolRanking"/> by
/// <c>(similarity − failure_demotion) × estimate</c>, the estimate being the tool's competence for this kind of
/// request times its breaker's health, and try them in order within an overall deadline. Deprecated and open tools
/// are skipped unless nothing else carries the tags. A permanent failure is marked on the tool with the severity
/// of <see cref="InvocationSeverityRule"/> before the next attempt; a transient one feeds the tool's breaker only;
/// a tool that answered with a <c>Retry-After</c> is tried again after it when no other candidate is left. Every
/// success is recorded and every attempt counted in usage, both just after the answer.
/// </summary>
// Reentrant: it holds no state, and a call spends its time awaiting tool runs and reputations; without it
// each activation ran one call at a time (measured in the soak: 55 calls/s per silo, queues of 999).
[StatelessWorker, Reentrant]
public sealed class ResilientInvokerGrain(
    CatalogCache catalog,
    ToolRunner runner,
    UsageTracker usage,
    IEmbeddingGenerator<string, Embedding<float>> embeddings,
    IOptions<ResilientInvokerOptions> options,
    ToolTelemetry telemetry,
    TimeProvider time,
    ILogger<ResilientInvokerGrain> logger) : Grain, IResilientInvokerGrain
{
    private ResilientInvokerOptions O => options.Value;

    public async Task<ResilientCallResult> InvokeAsync(ResilientCallRequest request)
    {
        var started = time.GetTimestamp();
        var (scenario, tags, deadline) = Validate(request);
        var (ranked, view, scenarioVector, terms) = await RankCoreAsync(scenario, tags, request.InputJson, request.MaxAttempts, claimProbes: true);
        var attempts = ImmutableArray.CreateBuilder<InvocationAttempt>();
        var track = !(request.Options?.DisableTracking ?? false);
        var forced = ranked.Count > 0 && ranked[0].Forced;
        // Tools that answered "try again after N s": retried, the soonest first, once no untried candidate is left.
        var retryable = new List<(RankedTool Tool, long NotBefore)>();
        var next = 0;
        while (attempts.Count < request.MaxAttempts)
        {
            RankedTool tool;
            if (next < ranked.Count)
            {
                tool = ranked[next++];
            }
            else if (retryable.Count > 0)
            {
                var soonest = retryable.MinBy(r => r.NotBefore);
                retryable.Remove(soonest);
                var wait = time.GetElapsedTime(time.GetTimestamp(), soonest.NotBefore);
                if (wait > TimeSpan.Zero)
                {
                    if (time.GetElapsedTime(started) + wait >= deadline) break;
                    await Task.Delay(wait, time);
                }
                tool = soonest.Tool;
            }
            else
            {
                break;
            }
            var remaining = deadline - time.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero || !view.Descriptors.TryGetValue(tool.ToolId, out var descriptor)) break;
            var attempt = await AttemptAsync(descriptor, tool, request.InputJson, scenario, scenarioVector, terms, remaining, track);
            attempts.Add(attempt.Record);
            if (attempt.Outcome == AttemptOutcomes.Success)
            {
                ReleaseUnusedProbes(ranked, attempts);
                return new ResilientCallResult(true, tool.ToolId, attempt.ResultJson, attempts.ToImmutable(), ranked.Count, forced);
            }
            if (attempt.DeadlineReached) break;
            if (attempt.Record.RetryAfterSeconds is { } seconds && attempt.Record.ErrorKind == "transient"
                && seconds <= O.MaxRetryAfterWait.TotalSeconds)
                retryable.Add((tool, time.GetTimestamp() + (long)(seconds * time.TimestampFrequency)));
        }
        ReleaseUnusedProbes(ranked, attempts);
        return new ResilientCallResult(false, null, null, attempts.ToImmutable(), ranked.Count, forced);
    }

    // Half-open tools this call claimed the probe of but never tried: let the next call probe them.
    private void ReleaseUnusedProbes(IReadOnlyList<RankedTool> ranked, ImmutableArray<InvocationAttempt>.Builder attempts)
    {
        foreach (var tool in ranked)
            if (tool.Breaker == "half_open" && !attempts.Any(a => a.ToolId == tool.ToolId))
                _ = Bookkeep(GrainFactory.GetGrain<IToolReputationGrain>(tool.ToolId).ReleaseProbeAsync(), tool.ToolId, "probe release");
    }

    public async Task<ImmutableArray<RankedCandidate>> RankAsync(ResilientCallRequest request)
    {
        var (scenario, tags, _) = Validate(request);
        var (ranked, _, _, _) = await RankCoreAsync(scenario, tags, request.InputJson, request.MaxAttempts, claimProbes: false);
        return [.. ranked.Select(t => new RankedCandidate(t.ToolId, Math.Round(t.Score, 6), Math.Round(t.Similarity, 6),
            Math.Round(t.FailureDemotion, 6), Math.Round(t.Quality, 6), t.NegativeTagHit, [.. t.MatchedNegativeTags], t.Forced, t.Breaker))];
    }

    private async Task<(IReadOnlyList<RankedTool> Ranked, CatalogView View, ImmutableArray<float> Embedding, ImmutableArray<string> Terms)> RankCoreAsync(
        string scenario, string[] tags, string inputJson, int maxAttempts, bool claimProbes)
    {
        var embedding = (await embeddings.GenerateAsync([scenario])).Single().Vector;
        var view = await catalog.GetAsync();
        var ranking = new RankingRequest(scenario, embedding, tags);
        ImmutableArray<string> terms = [.. RequestKind.Terms(scenario, inputJson)];

        // From the cached catalog alone; reputations only for the shortlist (ToolRanking's remarks).
        // Hybrid retrieval: similarity and BM25 over ids, descriptions and tags, fused by rank.
        var shortlist = ToolRanking.HybridShortlist(ranking, view.Candidates, Math.Max(O.ShortlistSize, maxAttempts), view.Lexical.Scores(scenario));
        var scenarioVector = ImmutableArray.Create(embedding.Span);
        var assessed = await Task.WhenAll(shortlist.Select(s => AssessAsync(s.Candidate, scenarioVector, scenario, terms, claimProbes)));
        var ranked = ToolRanking.Rank(ranking, assessed.OfType<ToolCandidate>());
        if (ranked.Count == 0)
            throw new ToolGrainsException(ErrorCodes.NoCandidates, tags.Length == 0
                ? "No registered tool to try."
                : $"No registered tool carries all of the tags [{string.Join(", ", tags)}].", "tags");
        return (ranked, view, scenarioVector, terms);
    }

    private (string Scenario, string[] Tags, TimeSpan Deadline) Validate(ResilientCallRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        InputLimits.Scenario(request.Scenario);
        JsonText.RequireToolInput(request.InputJson);
        if (request.MaxAttempts < 1 || request.MaxAttempts > O.MaxAttemptsLimit)
            throw new ToolGrainsException(ErrorCodes.InvalidRequest,
                $"'max_attempts' must be 1..{O.MaxAttemptsLimit}, not {request.MaxAttempts}.", "max_attempts");
        var deadline = O.DefaultDeadline;
        if (request.Options?.DeadlineSeconds is { } seconds)
        {
            if (!(seconds > 0) || double.IsInfinity(seconds))
                throw new ToolGrainsException(ErrorCodes.InvalidRequest, $"'deadline_seconds' must be positive, not {seconds}.", "deadline_seconds");
            deadline = TimeSpan.FromSeconds(Math.Min(seconds, TimeSpan.MaxValue.TotalSeconds / 2));
        }
        var tags = request.Tags.IsDefault ? [] : request.Tags.Where(t => !string.IsNullOrWhiteSpace(t)).Select(t => t.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        // Every candidate must carry every tag and a tool carries at most MaxTags: more can match no tool, and each
        // would be looked up in every tool's tags.
        if (tags.Length > ToolDescriptorRules.MaxTags)
            throw new ToolGrainsException(ErrorCodes.InvalidRequest,
                $"'tags' holds {tags.Length} distinct tags; a tool carries at most {ToolDescriptorRules.MaxTags}, so no tool could match.", "tags");
        return (request.Scenario.Trim(), tags, deadline);
    }

    private async Task<ToolCandidate?> AssessAsync(ToolCandidate candidate, ImmutableArray<float> embedding, string scenario, ImmutableArray<string> terms, bool claimProbe)
    {
        var reputation = GrainFactory.GetGrain<IToolReputationGrain>(candidate.ToolId);
        try
        {
            ToolAssessment a;
            try
            {
                a = await reputation.AssessRequestAsync(embedding, scenario, terms, claimProbe);
            }
            catch (SiloUnavailableException ex)
            {
                // The reputation lived on a silo the cluster has just declared dead: asked again, it is
                // activated on a survivor from its stored state. Without this every call in flight to it fails.
                logger.LogInformation("Reputation of {ToolId} was on a dead silo ({Message}); asking again", candidate.ToolId, ex.Message);
                a = await reputation.AssessRequestAsync(embedding, scenario, terms, claimProbe);
            }
            // The quality that ranks is the estimated probability of success for this request: competence for its
            // kind times the breaker's health. A kind the tool has proven it handles ignores its negative tags.
            return candidate with
            {
                Quality = Math.Round(a.Competence * a.Health, 6),
                NegativeTags = a.KindProven ? [] : a.NegativeTags,
                Deprecated = a.Deprecated,
                FailureDemotion = a.FailureDemotion,
                Excluded = a.Excluded,
                Breaker = a.Breaker,
            };
        }
        catch (ToolGrainsException ex) when (ex.Code == ErrorCodes.ToolNotFound)
        {
            return null; // Listed in an older catalog copy but gone from storage: not a candidate.
        }
    }

    private async Task<Attempt> AttemptAsync(
        ToolDescriptor descriptor, RankedTool tool, string inputJson, string scenario, ImmutableArray<float> embedding,
        ImmutableArray<string> terms, TimeSpan remaining, bool track)
    {
        using var deadline = new CancellationTokenSource(remaining, time);
        ToolCallResult result;
        var deadlineReached = false;
        var attemptStarted = time.GetTimestamp();
        var span = ToolTelemetry.Start(descriptor, Guid.NewGuid().ToString("N"));
        try
        {
            result = await runner.RunAsync(descriptor, inputJson, deadline.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            // The call's own deadline, shorter than the tool's timeout: not the tool's fault.
            deadlineReached = true;
            result = new ToolCallResult(descriptor.Id, ToolOutcome.Timeout, null,
                "The call's overall deadline was reached during this attempt.", time.GetElapsedTime(attemptStarted).TotalMilliseconds);
        }
        // Usage and success bookkeeping run after the answer, on this activation: each is a durable write
        // (the usage buffer, the tool's state) that changes nothing the caller waits for, and awaited they
        // queue on one another in storage (measured: 2.5 ms of a 2.8 ms call). TrackAsync logs its own errors.
        if (track) _ = usage.TrackAsync(descriptor.Id);

        var reputation = GrainFactory.GetGrain<IToolReputationGrain>(descriptor.Id);
        string? severity = null;
        var kind = KindOf(result, deadlineReached);
        telemetry.Finish(span, descriptor, time.GetElapsedTime(attemptStarted),
            result.Succeeded ? null : deadlineReached ? "deadline" : kind.ToProtocolName(), result.Error, tool.Breaker);
        if (result.Succeeded)
        {
            var recorded = Bookkeep(reputation.RecordOutcomeAsync(new ToolOutcomeReport(scenario, embedding, terms, DurationMs: result.DurationMs)), descriptor.Id, "success");
            // A probe that worked closes the breaker before the answer, so the very next call ranks the tool back;
            // an ordinary success is recorded just after the answer.
            if (tool.Breaker != "closed") await recorded;
        }
        else
        {
            // Only a permanent failure is the tool's fault for this kind of request; a transient one feeds its breaker.
            var fault = kind == FaultKind.Permanent ? InvocationSeverityRule.SeverityOf(KindOf(result.Outcome)) : FailureSeverity.None;
            severity = fault.ToProtocolName();
            // Recorded before the next attempt, so the next call (and analytics) already sees it.
            if (kind is FaultKind.Permanent or FaultKind.Transient)
                await Bookkeep(reputation.RecordOutcomeAsync(new ToolOutcomeReport(scenario, embedding, terms, kind.ToProtocolName(), result.Error,
                    kind == FaultKind.Permanent ? severity : null, result.RetryAfterSeconds, result.DurationMs)), descriptor.Id, kind.ToProtocolName()!);
        }
        var outcome = result.Outcome switch
        {
            ToolOutcome.Success => AttemptOutcomes.Success,
            ToolOutcome.Timeout => AttemptOutcomes.Timeout,
            _ => AttemptOutcomes.Failure,
        };
        return new Attempt(
            new InvocationAttempt(tool.ToolId, Math.Round(tool.Score, 6), Math.Round(tool.Similarity, 6), Math.Round(tool.FailureDemotion, 6),
                Math.Round(tool.Quality, 6), outcome, result.Error, Math.Round(result.DurationMs, 3), severity, tool.NegativeTagHit,
                result.Succeeded ? null : (deadlineReached ? null : kind.ToProtocolName()), tool.Forced, tool.Breaker, result.RetryAfterSeconds),
            result.ResultJson, deadlineReached);
    }

    /// <summary>The fault kind of an attempt: the runner's (<see cref="ToolCallResult.ErrorKind"/>); none when the call's
    /// own deadline cut it short; a failure the runner did not classify is permanent, a timeout transient.</summary>
    internal static FaultKind KindOf(ToolCallResult result, bool deadlineReached)
    {
        if (result.Succeeded || deadlineReached) return FaultKind.None;
        return FaultClassifier.Parse(result.ErrorKind) ?? result.Outcome switch
        {
            ToolOutcome.Timeout => FaultKind.Transient,
            ToolOutcome.BadRequest => FaultKind.CallerError,
            _ => FaultKind.Permanent,
        };
    }

    /// <summary>The runner's outcome as the severity rule's failure kind. The runner folds non-zero exit, crash and
    /// invalid output into <see cref="ToolOutcome.Failure"/>; all three are high, so no distinction is lost.</summary>
    internal static InvocationFailureKind KindOf(ToolOutcome outcome) => outcome switch
    {
        ToolOutcome.Timeout => InvocationFailureKind.Timeout,
        ToolOutcome.BadRequest => InvocationFailureKind.BadRequest,
        _ => InvocationFailureKind.NonZeroExit,
    };

    // Reputation bookkeeping must never turn a tool's answer into the caller's exception.
    private async Task Bookkeep(Task task, string toolId, string what)
    {
        try
        {
            await task;
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not record the {What} of tool {ToolId}", what, toolId);
        }
    }

    private sealed record Attempt(InvocationAttempt Record, string? ResultJson, bool DeadlineReached)
    {
        public string Outcome => Record.Outcome;
    }
}
