using System.Collections.Immutable;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ToolGrains.Core.Reputation;
using ToolGrains.Grains.Running;

namespace ToolGrains.Grains.Reputation;

[GenerateSerializer, Alias("ToolGrains.ToolReputationState")]
public sealed class ToolReputationState
{
    [Id(0)] public ToolDescriptor? Descriptor { get; set; }
    [Id(1)] public DateTimeOffset RegisteredAt { get; set; }
    /// <summary>The quality the descriptor declares; recovery never goes past it.</summary>
    [Id(2)] public double RegisteredQuality { get; set; }
    [Id(3)] public double Quality { get; set; }
    [Id(4)] public List<NegativeTagRecord> NegativeTags { get; set; } = [];
    [Id(5)] public FailureMemory Memory { get; set; } = new();
    [Id(6)] public long UsageCount { get; set; }
    [Id(7)] public DateTimeOffset? LastUsedAt { get; set; }
    [Id(8)] public long FailureCount { get; set; }
    [Id(9)] public DateTimeOffset? LastFailureAt { get; set; }
    [Id(10)] public long SuccessCount { get; set; }
    [Id(11)] public List<QualityChange> QualityHistory { get; set; } = [];
    [Id(12)] public bool Deprecated { get; set; }
    [Id(13)] public DateTimeOffset? DeprecatedAt { get; set; }
    /// <summary>Failures since registration or the last undeprecation: what deprecation counts, so an
    /// undeprecated tool is not deprecated again by its very next failure.</summary>
    [Id(14)] public long FailuresTowardDeprecation { get; set; }
    /// <summary>Batch ids of the usage buffer applied lately, newest last: a redelivered batch is not counted twice.</summary>
    [Id(15)] public List<string> RecentUsageBatches { get; set; } = [];
    /// <summary>Fed by transient faults only (issue 15).</summary>
    [Id(16)] public CircuitBreaker Breaker { get; set; } = new();
    /// <summary>Success and permanent-failure evidence per kind of request (issue 15).</summary>
    [Id(17)] public CompetenceMemory Competence { get; set; } = new();
    [Id(18)] public long TransientFailureCount { get; set; }
    /// <summary>Successes since registration or the last undeprecation: a tool that mostly works is never deprecated.</summary>
    [Id(19)] public long SuccessesTowardDeprecation { get; set; }
}

/// <summary>
/// The clock of reputation (failure times, decay, usage times), a keyed <see cref="TimeProvider"/> that is
/// the silo's clock unless a host registers another: tests age failures with a fake clock without
/// also stopping the clocks Orleans' own timers and the buffers run on.
/// </summary>
public static class ReputationClock
{
    public const string Key = "toolgrains-reputation";
}

/// <summary>
/// One tool's registration and reputation. The numbers (demotion, recovery, deprecation, decay,
/// similarity) are <see cref="QualityPolicy"/>'s and the failure memory is Core's
/// <see cref="FailureMemory"/>; this grain only orders them in time and persists them.
/// </summary>
public sealed class ToolReputationGrain(
    [PersistentState("tool", StorageNames.Default)] IPersistentState<ToolReputationState> state,
    IOptions<QualityPolicy> policy,
    IOptions<BreakerPolicy> breakerPolicy,
    IOptions<CompetencePolicy> competencePolicy,
    IOptions<ReputationStateOptions> limits,
    IEmbeddingGenerator<string, Embedding<float>> embeddings,
    FailureExport failureExport,
    ReputationMetrics metrics,
    [FromKeyedServices(ReputationClock.Key)] TimeProvider time,
    TimeProvider wallClock,
    ToolRunner runner,
    ILogger<ToolReputationGrain> logger) : Grain, IToolReputationGrain
{
    // A half-open breaker lets one call probe the tool: the first assessment that sees it half-open claims the probe
    // (until its outcome is recorded, or the tool's timeout passes on the silo's clock); concurrent calls meanwhile
    // see the breaker open. In memory only: a new activation simply lets the next call probe.
    private DateTimeOffset? _probeClaimedUntil;

    // Latencies of the latest invoker calls, newest last: this activation's view, not stored (telemetry, not reputation).
    private readonly Queue<double> _latencies = new();

    private ToolReputationState S => state.State;
    private QualityPolicy Policy => policy.Value;
    private string ToolId => this.GetPrimaryKeyString();

    public async Task RegisterAsync(ToolDescriptor descriptor)
    {
        // Normally called by the catalog, which admitted it already; an admin's typed client may call it directly.
        descriptor = runner.Admit(descriptor);
        if (descriptor.Id != ToolId)
            throw new ArgumentException($"Descriptor id '{descriptor.Id}' does not match the grain key '{ToolId}'.");
        var now = time.GetUtcNow();
        if (S.Descriptor is null)
        {
            S.RegisteredAt = now;
            S.RegisteredQuality = descriptor.Quality;
            S.Quality = descriptor.Quality;
            AddHistory(now, "registered");
        }
        else if (S.Descriptor != descriptor)
        {
            // A new version keeps what was learned: an untouched quality follows the new declaration,
            // a learned (lower) one stays, capped at the new declaration.
            var untouched = S.Quality == S.RegisteredQuality;
            S.RegisteredQuality = descriptor.Quality;
            S.Quality = untouched ? descriptor.Quality : Math.Min(S.Quality, descriptor.Quality);
            AddHistory(now, "reregistered:" + descriptor.Version);
        }
        else
        {
            return; // The same descriptor again (every silo start re-reads tools/*.yaml): nothing to write.
        }
        S.Descriptor = descriptor;
        await WriteAsync();
    }

    public Task<ToolDescriptor?> GetDescriptorAsync() => Task.FromResult(S.Descriptor);

    public async Task<MarkFailureResult> MarkFailureAsync(ToolFailureReport report)
    {
        var descriptor = RequireRegistered();
        var scenario = InputLimits.Scenario(report.Scenario);
        report = report with { ErrorMessage = InputLimits.ErrorMessage(report.ErrorMessage) };
        if (!FailureSeverities.TryParse(report.Severity, out var severity))
            throw new ToolGrainsException(ErrorCodes.InvalidRequest,
                $"Unknown severity '{report.Severity}'; expected low, medium or high.", "severity");
        var embedding = await EmbeddingOfAsync(scenario, report.ScenarioEmbedding);
        var now = time.GetUtcNow();
        var (before, added) = ApplyPermanentFailure(scenario, embedding, RequestKind.Terms(scenario, null), report.ErrorMessage, severity, now);
        await WriteAsync();
        await failureExport.ExportAsync(descriptor.Id, scenario, report.ErrorMessage, severity, now, embedding);
        return new MarkFailureResult(ToolId, before, S.Quality, added,
            [.. S.NegativeTags.Select(t => t.Tag)], S.FailureCount, S.Deprecated);
    }

    public async Task RecordOutcomeAsync(ToolOutcomeReport report)
    {
        var descriptor = RequireRegistered();
        ArgumentNullException.ThrowIfNull(report);
        var scenario = string.IsNullOrWhiteSpace(report.Scenario) ? "" : report.Scenario.Trim();
        var terms = report.KindTerms.IsDefaultOrEmpty ? RequestKind.Terms(scenario, null) : report.KindTerms;
        var now = time.GetUtcNow();
        _probeClaimedUntil = null;
        if (report.DurationMs is { } duration and >= 0)
        {
            _latencies.Enqueue(duration);
            while (_latencies.Count > limits.Value.LatenciesRemembered) _latencies.Dequeue();
        }
        switch (FaultClassifier.Parse(report.ErrorKind))
        {
            case null when report.ErrorKind is null:
            {
                var embedding = scenario.Length == 0 ? ReadOnlyMemory<float>.Empty : await EmbeddingOfAsync(scenario, report.ScenarioEmbedding);
                ApplySuccess(now);
                S.Competence.Record(scenario, embedding.Span, terms, success: true, now, competencePolicy.Value);
                await WriteAsync();
                return;
            }
            case FaultKind.Transient:
            {
                // Down, not unable: the breaker only. No demotion, no negative tag, no failure pattern.
                S.TransientFailureCount++;
                TimeSpan? retryAfter = report.RetryAfterSeconds is { } seconds && seconds > 0 && seconds < TimeSpan.MaxValue.TotalSeconds / 2
                    ? TimeSpan.FromSeconds(seconds) : null;
                if (S.Breaker.RecordFailure(now, breakerPolicy.Value, report.ErrorMessage, retryAfter))
                    logger.LogWarning("Circuit breaker of tool {ToolId} opened until {Until}: {Reason}", ToolId, S.Breaker.OpenUntil, S.Breaker.Reason);
                S.Memory.RecentFailures.Add(new FailureEntry { Scenario = scenario, Error = "transient: " + report.ErrorMessage, Severity = FailureSeverity.None, At = now });
                var excess = S.Memory.RecentFailures.Count - Policy.MaxRecentFailures;
                if (excess > 0) S.Memory.RecentFailures.RemoveRange(0, excess);
                await WriteAsync();
                return;
            }
            case FaultKind.Permanent:
            {
                if (scenario.Length == 0)
                    throw new ToolGrainsException(ErrorCodes.InvalidRequest, "'scenario' is required and must not be blank.", "scenario");
                if (!FailureSeverities.TryParse(report.Severity ?? "high", out var severity))
                    throw new ToolGrainsException(ErrorCodes.InvalidRequest,
                        $"Unknown severity '{report.Severity}'; expected low, medium or high.", "severity");
                var embedding = await EmbeddingOfAsync(scenario, report.ScenarioEmbedding);
                ApplyPermanentFailure(scenario, embedding, terms, report.ErrorMessage, severity, now);
                await WriteAsync();
                await failureExport.ExportAsync(descriptor.Id, scenario, report.ErrorMessage, severity, now, embedding);
                return;
            }
            default:
                throw new ToolGrainsException(ErrorCodes.InvalidRequest,
                    $"Unknown error kind '{report.ErrorKind}'; expected transient or permanent, or none for a success.", "error_kind");
        }
    }

    private async Task<ReadOnlyMemory<float>> EmbeddingOfAsync(string scenario, ImmutableArray<float> given) =>
        given.IsDefaultOrEmpty ? (await embeddings.GenerateAsync([scenario])).Single().Vector : CheckedEmbedding(given).AsMemory();

    /// <summary>
    /// An embedding a caller sent (the invoker sends the one it ranked with, to spare a second): it is kept in the
    /// failure memory and compared with every later scenario, so it must be the silo's embedder's length and finite.
    /// Unchecked, a caller could store a million floats in a tool's state with each mark, or NaN patterns.
    /// </summary>
    private ImmutableArray<float> CheckedEmbedding(ImmutableArray<float> given)
    {
        var dimensions = embeddings.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelDimensions;
        if (dimensions is { } known ? given.Length != known : given.Length > MaxUnknownDimensions)
            throw new ToolGrainsException(ErrorCodes.InvalidRequest,
                $"'scenario_embedding' has {given.Length} values; this cluster's embeddings have {dimensions?.ToString() ?? $"at most {MaxUnknownDimensions}"} (send none to have the scenario embedded).", "scenario_embedding");
        foreach (var value in given)
            if (!float.IsFinite(value))
                throw new ToolGrainsException(ErrorCodes.InvalidRequest, "'scenario_embedding' holds a value that is not a finite number.", "scenario_embedding");
        return given;
    }

    /// <summary>The longest embedding taken when the embedder does not say its length.</summary>
    private const int MaxUnknownDimensions = 4096;

    /// <summary>A failure the tool is blamed for: demotion, failure pattern, negative tags, competence, deprecation.
    /// The tool answered, so its breaker counts a working call.</summary>
    private (double Before, ImmutableArray<string> Added) ApplyPermanentFailure(
        string scenario, ReadOnlyMemory<float> embedding, IReadOnlyList<string> terms, string? error, FailureSeverity severity, DateTimeOffset now)
    {
        var before = S.Quality;
        S.Quality = Policy.QualityAfterFailure(S.Quality, severity);
        S.Memory.Record(scenario, embedding.Span, error, severity, now, Policy);
        S.Competence.Record(scenario, embedding.Span, terms, success: false, now, competencePolicy.Value);
        S.Breaker.RecordSuccess(now, breakerPolicy.Value);
        S.FailureCount++;
        S.FailuresTowardDeprecation++;
        S.LastFailureAt = now;
        var added = ImmutableArray.CreateBuilder<string>();
        foreach (var tag in Core.Reputation.NegativeTags.Default.Derive(scenario))
        {
            if (S.NegativeTags.Any(t => t.Tag == tag)) continue;
            S.NegativeTags.Add(new NegativeTagRecord(tag, now, scenario, error));
            added.Add(tag);
        }
        AddHistory(now, "failure:" + severity.ToProtocolName());
        // Deprecation also needs the tool to fail more than it works: one kind it cannot do does not deprecate
        // a tool that serves the others (and a deprecated tool is still tried when nothing else carries the tags).
        var calls = S.FailuresTowardDeprecation + S.SuccessesTowardDeprecation;
        var successShare = calls == 0 ? 0 : S.SuccessesTowardDeprecation / (double)calls;
        if (!S.Deprecated && Policy.ShouldDeprecate(S.FailuresTowardDeprecation, S.Quality) && successShare < Policy.DeprecationQuality)
        {
            S.Deprecated = true;
            S.DeprecatedAt = now;
            AddHistory(now, "deprecated");
            logger.LogWarning("Tool {ToolId} deprecated: {Failures} failures, quality {Quality}", ToolId, S.FailureCount, S.Quality);
        }
        return (before, added.ToImmutable());
    }

    private double ApplySuccess(DateTimeOffset now)
    {
        var before = S.Quality;
        S.Quality = Policy.QualityAfterSuccess(S.Quality, S.RegisteredQuality);
        S.SuccessCount++;
        S.SuccessesTowardDeprecation++;
        if (S.Breaker.RecordSuccess(now, breakerPolicy.Value))
            logger.LogInformation("Circuit breaker of tool {ToolId} closed", ToolId);
        if (S.Quality != before) AddHistory(now, "success");
        return before;
    }

    public async Task<RecordSuccessResult> RecordSuccessAsync()
    {
        RequireRegistered();
        var now = time.GetUtcNow();
        var before = ApplySuccess(now);
        S.Competence.Record("", ReadOnlySpan<float>.Empty, [], success: true, now, competencePolicy.Value);
        await WriteAsync();
        return new RecordSuccessResult(ToolId, before, S.Quality, S.SuccessCount);
    }

    public Task ReleaseProbeAsync()
    {
        _probeClaimedUntil = null;
        return Task.CompletedTask;
    }

    public Task<ToolAssessment> AssessScenarioAsync(ImmutableArray<float> scenarioEmbedding, string? scenarioText) =>
        AssessRequestAsync(scenarioEmbedding, scenarioText, [.. RequestKind.Terms(scenarioText, null)]);

    /// <summary>
    /// The failure memory's demotion, scaled by the share of failures in the kind's evidence
    /// (<see cref="CompetenceEstimate.DemotionShare"/>: 1 without evidence), the competence estimate for the
    /// kind, and the breaker's state and health.
    /// </summary>
    public Task<ToolAssessment> AssessRequestAsync(ImmutableArray<float> scenarioEmbedding, string? scenarioText, ImmutableArray<string> kindTerms, bool claimProbe = false)
    {
        RequireRegistered();
        var now = time.GetUtcNow();
        var terms = kindTerms.IsDefault ? [] : kindTerms;
        if (!scenarioEmbedding.IsDefaultOrEmpty) CheckedEmbedding(scenarioEmbedding);
        var assessment = scenarioEmbedding.IsDefaultOrEmpty
            ? FailureAssessment.None
            : S.Memory.Assess(scenarioEmbedding.AsSpan(), now, Policy, scenarioText);
        var competence = S.Competence.Estimate(scenarioEmbedding.AsSpan(), terms, S.RegisteredQuality, now, competencePolicy.Value);
        var breaker = breakerPolicy.Value;
        var state = S.Breaker.StateAt(now);
        var excluded = S.Breaker.IsExcludedAt(now);
        if (claimProbe && state == BreakerState.HalfOpen && !excluded)
        {
            var wall = wallClock.GetUtcNow();
            if (_probeClaimedUntil is { } claimed && wall < claimed)
            {
                state = BreakerState.Open; // another call is probing it
                excluded = true;
            }
            else
            {
                _probeClaimedUntil = wall + TimeSpan.FromSeconds(Math.Clamp(S.Descriptor!.TimeoutSeconds, 1, 120));
            }
        }
        return Task.FromResult(new ToolAssessment(ToolId, S.Quality, [.. S.NegativeTags.Select(t => t.Tag)], S.Deprecated,
            assessment.SimilarFailures, Math.Round(assessment.Demotion * competence.DemotionShare, 6), Math.Round(assessment.BestSimilarity, 6),
            competence.Kind, competence.Tool, competence.Proven, S.Breaker.HealthAt(now, breaker),
            CircuitBreaker.NameOf(state), excluded));
    }

    public Task<ToolStatus> GetStatusAsync() => Task.FromResult(Status(RequireRegistered()));

    public async Task<ToolStatus> UndeprecateAsync()
    {
        var descriptor = RequireRegistered();
        if (S.Deprecated)
        {
            S.Deprecated = false;
            S.DeprecatedAt = null;
            S.FailuresTowardDeprecation = 0;
            S.SuccessesTowardDeprecation = 0;
            AddHistory(time.GetUtcNow(), "undeprecated");
            await WriteAsync();
        }
        return Status(descriptor);
    }

    public async Task AddUsageAsync(long increment, string? batchId = null)
    {
        RequireRegistered();
        if (increment < 1)
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, $"'increment' must be at least 1, not {increment}.", "increment");
        if (batchId is not null)
        {
            if (S.RecentUsageBatches.Contains(batchId)) return;
            S.RecentUsageBatches.Add(batchId);
            var excess = S.RecentUsageBatches.Count - limits.Value.UsageBatchesRemembered;
            if (excess > 0) S.RecentUsageBatches.RemoveRange(0, excess);
        }
        S.UsageCount += increment;
        S.LastUsedAt = time.GetUtcNow();
        await WriteAsync();
    }

    private ToolDescriptor RequireRegistered() =>
        S.Descriptor ?? throw new ToolGrainsException(ErrorCodes.ToolNotFound, $"No tool '{ToolId}' is registered.", "tool_id");

    private ToolStatus Status(ToolDescriptor descriptor) => new(
        descriptor, S.RegisteredAt, S.RegisteredQuality, S.Quality, [.. S.NegativeTags],
        S.UsageCount, S.LastUsedAt, S.FailureCount, S.LastFailureAt, S.SuccessCount, S.Deprecated, S.DeprecatedAt,
        [.. S.Memory.RecentFailures.AsEnumerable().Reverse().Select(f => new RecentFailure(f.Scenario, f.Error, f.Severity.ToProtocolName(), f.At))],
        [.. S.Memory.CommonPatterns(limits.Value.CommonFailuresShown).Select(p => new FailurePatternSummary(
            p.RepresentativeScenario, p.LatestScenario, p.LatestError, p.Count, p.FirstSeen, p.LastSeen, [.. p.Domains]))],
        [.. S.QualityHistory],
        BreakerStatusOf(S.Breaker, time.GetUtcNow(), breakerPolicy.Value),
        S.TransientFailureCount,
        S.Competence.Estimate(ReadOnlySpan<float>.Empty, [], S.RegisteredQuality, time.GetUtcNow(), competencePolicy.Value).Tool,
        [.. S.Competence.Kinds.OrderByDescending(k => k.Count).ThenByDescending(k => k.LastSeen).Take(limits.Value.CompetenceKindsShown)
            .Select(k => new CompetenceSummary(k.Scenario, [.. k.Terms], Math.Round(k.Successes, 3), Math.Round(k.Failures, 3), k.Count, k.LastSeen))],
        Percentile(0.50), Percentile(0.95), Percentile(0.99));

    private double? Percentile(double q)
    {
        if (_latencies.Count == 0) return null;
        var sorted = _latencies.Order().ToArray();
        return Math.Round(sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)], 3);
    }

    internal static BreakerStatus BreakerStatusOf(CircuitBreaker b, DateTimeOffset now, BreakerPolicy policy)
    {
        var state = b.StateAt(now);
        return new BreakerStatus(CircuitBreaker.NameOf(state), b.Reason, b.LastTransitionAt,
            state == BreakerState.Open ? b.OpenUntil : null, b.ConsecutiveFailures, Math.Round(b.FailureRate, 6), b.TotalOpens,
            b.RetryAfterUntil is { } until && until > now ? until : null, b.HealthAt(now, policy));
    }

    private void AddHistory(DateTimeOffset at, string reason)
    {
        S.QualityHistory.Add(new QualityChange(at, S.Quality, reason));
        var excess = S.QualityHistory.Count - limits.Value.MaxQualityHistory;
        if (excess > 0) S.QualityHistory.RemoveRange(0, excess);
    }

    private async Task WriteAsync()
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // Memory now holds a change storage does not: drop this activation, keep storage's truth.
            DeactivateOnIdle();
            throw;
        }
        metrics.RecordStateWrite(ToolId);
    }
}
