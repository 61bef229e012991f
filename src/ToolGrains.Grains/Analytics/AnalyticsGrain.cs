using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using ToolGrains.Core.Reputation;

namespace ToolGrains.Grains.Analytics;

/// <summary>
/// Builds <see cref="AnalyticsReport"/>s from the reputation grains of the tools the catalog lists.
/// Stateless: a report is a read of many grains plus some CPU (embedding the pattern scenarios), so every
/// silo builds its own and none becomes a hot spot.
/// </summary>
[StatelessWorker, Reentrant] // no state; a report is mostly awaiting reputation grains
public sealed class AnalyticsGrain(
    IEmbeddingGenerator<string, Embedding<float>> embeddings,
    IOptions<AnalyticsOptions> options,
    TimeProvider time) : Grain, IAnalyticsGrain
{
    /// <summary>The JSON of <c>/api/analytics</c>: snake_case names, times in ISO 8601.</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public async Task<string> GetReportJsonAsync() => JsonSerializer.Serialize(await GetReportAsync(), Json);

    public async Task<AnalyticsReport> GetReportAsync()
    {
        var statuses = await ReadStatusesAsync();
        var groups = await GroupFailuresAsync(statuses);
        return new AnalyticsReport(
            time.GetUtcNow(),
            statuses.Count,
            statuses.Sum(s => s.FailureCount),
            [.. statuses.Where(s => s.FailureCount > 0)
                .OrderByDescending(s => s.FailureCount).ThenBy(s => s.Descriptor.Id, StringComparer.Ordinal)
                .Select(s => new ToolFailureCount(s.Descriptor.Id, s.FailureCount, s.Quality, s.RegisteredQuality, s.LastFailureAt, s.Deprecated))],
            groups,
            [.. statuses.Select(s => new ToolQualityTrend(s.Descriptor.Id, s.RegisteredQuality, s.Quality, [.. s.QualityHistory.OrderBy(p => p.At)]))],
            [.. statuses.SelectMany(s => s.NegativeTags.Select(t => new NegativeTagEvent(s.Descriptor.Id, t.Tag, t.AddedAt, t.Scenario, t.ErrorMessage)))
                .OrderBy(e => e.AddedAt).ThenBy(e => e.ToolId, StringComparer.Ordinal).ThenBy(e => e.Tag, StringComparer.Ordinal)],
            [.. statuses.Where(s => s.Deprecated)
                .OrderByDescending(s => s.DeprecatedAt).ThenBy(s => s.Descriptor.Id, StringComparer.Ordinal)
                .Select(s => new DeprecatedTool(s.Descriptor.Id, s.DeprecatedAt, s.Quality, s.FailureCount))],
            [.. statuses.OrderByDescending(s => s.UsageCount).ThenBy(s => s.Descriptor.Id, StringComparer.Ordinal)
                .Select(s => new ToolUsage(s.Descriptor.Id, s.UsageCount, s.LastUsedAt, s.SuccessCount, s.FailureCount))],
            [.. statuses.OrderBy(s => s.Descriptor.Id, StringComparer.Ordinal).Select(HealthOf)]);
    }

    private static ToolHealth HealthOf(ToolStatus s)
    {
        var calls = s.SuccessCount + s.FailureCount + s.TransientFailureCount;
        var errorRate = calls == 0 ? 0 : Math.Round((s.FailureCount + s.TransientFailureCount) / (double)calls, 6);
        return new ToolHealth(s.Descriptor.Id, calls, errorRate, s.TransientFailureCount, s.LatencyP50Ms, s.LatencyP95Ms, s.LatencyP99Ms,
            s.Breaker?.State ?? "closed", s.Breaker?.Reason, s.Breaker?.LastTransitionAt, s.Competence);
    }

    /// <summary>Every listed tool's status, by id; a tool the catalog lists but its grain does not know is skipped.</summary>
    private async Task<List<ToolStatus>> ReadStatusesAsync()
    {
        var tools = await GrainFactory.GetGrain<IToolCatalogGrain>("default").ListAsync();
        var statuses = new List<ToolStatus>(tools.Length);
        foreach (var chunk in tools.Chunk(options.Value.MaxConcurrentToolReads))
        {
            var read = await Task.WhenAll(chunk.Select(async t =>
            {
                try
                {
                    return await GrainFactory.GetGrain<IToolReputationGrain>(t.Id).GetStatusAsync();
                }
                catch (ToolGrainsException ex) when (ex.Code == ErrorCodes.ToolNotFound)
                {
                    return null;
                }
            }));
            statuses.AddRange(read.OfType<ToolStatus>());
        }
        statuses.Sort((a, b) => StringComparer.Ordinal.Compare(a.Descriptor.Id, b.Descriptor.Id));
        return statuses;
    }

    /// <summary>
    /// The tools' failure patterns grouped across tools. The grains expose each pattern's representative
    /// scenario, not its centroid, so the scenarios are embedded here by the silo's embedder (the one the
    /// patterns were built with; its cache spares repeats across reports).
    /// </summary>
    private async Task<ImmutableArray<FailureScenarioGroup>> GroupFailuresAsync(List<ToolStatus> statuses)
    {
        var patterns = statuses.SelectMany(s => s.CommonFailures.Select(p => (Tool: s.Descriptor.Id, Pattern: p))).ToList();
        if (patterns.Count == 0) return [];
        var texts = patterns.Select(p => p.Pattern.RepresentativeScenario).Distinct(StringComparer.Ordinal).ToList();
        var vectors = await embeddings.GenerateAsync(texts);
        var byText = texts.Zip(vectors, (text, vector) => (text, vector.Vector)).ToDictionary(p => p.text, p => p.Vector, StringComparer.Ordinal);
        var samples = patterns.Select(p => new ScenarioSample(
            p.Tool, p.Pattern.RepresentativeScenario, p.Pattern.Count, p.Pattern.FirstSeen, p.Pattern.LastSeen,
            byText[p.Pattern.RepresentativeScenario], p.Pattern.Domains, p.Pattern.LatestError));
        return [.. ScenarioGrouping.Group(samples, options.Value.GroupSimilarity)
            .Take(options.Value.MaxScenarioGroups)
            .Select(g => new FailureScenarioGroup(
                g.Name,
                g.Count,
                [.. g.Members.GroupBy(m => m.ToolId, StringComparer.Ordinal)
                    .Select(t => new ToolScenarioCount(t.Key, t.Sum(m => m.Count)))
                    .OrderByDescending(t => t.Count).ThenBy(t => t.ToolId, StringComparer.Ordinal)],
                [.. g.Members.Select(m => m.Scenario).Distinct(StringComparer.Ordinal)],
                g.Members.Min(m => m.FirstSeen),
                g.LastSeen,
                g.Members.MaxBy(m => m.LastSeen)!.LatestError))];
    }
}
