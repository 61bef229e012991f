using System.Collections.Immutable;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ToolGrains.Core.Reputation;

namespace ToolGrains.Grains.Tools;

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

/// <summary>Limits of what a tool's reputation state keeps, beyond those of <see cref="QualityPolicy"/>.</summary>
public sealed class ReputationStateOptions
{
    /// <summary>Most quality changes kept in the history (oldest dropped). Default 100.</summary>
    public int MaxQualityHistory { get; set; } = 100;

    /// <summary>Most failure patterns shown as common failures in a status. Default 5.</summary>
    public int CommonFailuresShown { get; set; } = 5;

    /// <summary>Usage batch ids remembered per tool for redelivery detection. Default 32.</summary>
    public int UsageBatchesRemembered { get; set; } = 32;

    public IEnumerable<string> Validate()
    {
        if (MaxQualityHistory < 1) yield return $"ToolGrains:Reputation:MaxQualityHistory must be at least 1, not {MaxQualityHistory}.";
        if (CommonFailuresShown < 0) yield return $"ToolGrains:Reputation:CommonFailuresShown must not be negative, not {CommonFailuresShown}.";
        if (UsageBatchesRemembered < 0) yield return $"ToolGrains:Reputation:UsageBatchesRemembered must not be negative, not {UsageBatchesRemembered}.";
    }
}

/// <summary>
/// One tool's registration and reputation. The numbers (demotion, recovery, deprecation, decay,
/// similarity) are <see cref="QualityPolicy"/>'s and the failure memory is Core's
/// <see cref="FailureMemory"/>; this grain only orders them in time and persists them.
/// </summary>
public sealed class ToolReputationGrain(
    [PersistentState("tool", StorageNames.Default)] IPersistentState<ToolReputationState> state,
    IOptions<QualityPolicy> policy,
    IOptions<ReputationStateOptions> limits,
    IEmbeddingGenerator<string, Embedding<float>> embeddings,
    FailureExport failureExport,
    ReputationMetrics metrics,
    [FromKeyedServices(ReputationClock.Key)] TimeProvider time,
    ILogger<ToolReputationGrain> logger) : Grain, IToolReputationGrain
{
    private ToolReputationState S => state.State;
    private QualityPolicy Policy => policy.Value;
    private string ToolId => this.GetPrimaryKeyString();

    public async Task RegisterAsync(ToolDescriptor descriptor)
    {
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
        var embedding = report.ScenarioEmbedding.IsDefaultOrEmpty
            ? (await embeddings.GenerateAsync([scenario])).Single().Vector
            : report.ScenarioEmbedding.AsMemory();

        var now = time.GetUtcNow();
        var before = S.Quality;
        S.Quality = Policy.QualityAfterFailure(S.Quality, severity);
        S.Memory.Record(scenario, embedding.Span, report.ErrorMessage, severity, now, Policy);
        S.FailureCount++;
        S.FailuresTowardDeprecation++;
        S.LastFailureAt = now;
        var added = ImmutableArray.CreateBuilder<string>();
        foreach (var tag in Core.Reputation.NegativeTags.Default.Derive(scenario))
        {
            if (S.NegativeTags.Any(t => t.Tag == tag)) continue;
            S.NegativeTags.Add(new NegativeTagRecord(tag, now, scenario, report.ErrorMessage));
            added.Add(tag);
        }
        AddHistory(now, "failure:" + severity.ToProtocolName());
        if (!S.Deprecated && Policy.ShouldDeprecate(S.FailuresTowardDeprecation, S.Quality))
        {
            S.Deprecated = true;
            S.DeprecatedAt = now;
            AddHistory(now, "deprecated");
            logger.LogWarning("Tool {ToolId} deprecated: {Failures} failures, quality {Quality}", ToolId, S.FailureCount, S.Quality);
        }
        await WriteAsync();
        await failureExport.ExportAsync(descriptor.Id, scenario, report.ErrorMessage, severity, now, embedding);
        return new MarkFailureResult(ToolId, before, S.Quality, added.ToImmutable(),
            [.. S.NegativeTags.Select(t => t.Tag)], S.FailureCount, S.Deprecated);
    }

    public async Task<RecordSuccessResult> RecordSuccessAsync()
    {
        RequireRegistered();
        var before = S.Quality;
        S.Quality = Policy.QualityAfterSuccess(S.Quality, S.RegisteredQuality);
        S.SuccessCount++;
        if (S.Quality != before) AddHistory(time.GetUtcNow(), "success");
        await WriteAsync();
        return new RecordSuccessResult(ToolId, before, S.Quality, S.SuccessCount);
    }

    public Task<ToolAssessment> AssessScenarioAsync(ImmutableArray<float> scenarioEmbedding, string? scenarioText)
    {
        RequireRegistered();
        var assessment = scenarioEmbedding.IsDefaultOrEmpty
            ? FailureAssessment.None
            : S.Memory.Assess(scenarioEmbedding.AsSpan(), time.GetUtcNow(), Policy, scenarioText);
        return Task.FromResult(new ToolAssessment(ToolId, S.Quality, [.. S.NegativeTags.Select(t => t.Tag)], S.Deprecated,
            assessment.SimilarFailures, assessment.Demotion, Math.Round(assessment.BestSimilarity, 6)));
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
        [.. S.QualityHistory]);

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
