using ToolGrains.Core.Embeddings;

namespace ToolGrains.Core.Reputation;

/// <summary>
/// The semantic memory of one tool's failures (docs/architecture.md), kept small as it grows: a failure
/// close to an existing <see cref="FailurePattern"/> joins it, otherwise it starts a new one; at
/// most <see cref="QualityPolicy.MaxFailurePatterns"/> patterns are kept (the stalest evicted) and
/// the <see cref="QualityPolicy.MaxRecentFailures"/> newest raw failures.
/// <para>
/// A plain model with public setters and lists so that a grain can hold it in its persistent state
/// (wrap or copy it into a <c>[GenerateSerializer]</c> type) or a JSON serializer can write it. It is
/// not thread-safe; a grain's turn-based execution is what serializes access.
/// </para>
/// <para>
/// <b>Domain guard.</b> Sentence embeddings rate the same task on another domain as close as a
/// paraphrase (MiniLM: "analyze javascript code" ~ "analyze python code" 0.49, ~ "lint this
/// javascript file" 0.54). So each pattern remembers the domains its scenarios named
/// (<see cref="NegativeTags.Domains"/>), and when both the pattern and the scenario name domains
/// and share none, they are not similar, whatever the cosine. A scenario or pattern that names no
/// domain is judged by the cosine alone.
/// </para>
/// </summary>
public sealed class FailureMemory
{
    /// <summary>Failure patterns, in order of creation.</summary>
    public List<FailurePattern> Patterns { get; set; } = [];

    /// <summary>The newest raw failures, oldest first (without embeddings, to keep state small).</summary>
    public List<FailureEntry> RecentFailures { get; set; } = [];

    /// <summary>Every failure ever recorded, including those of evicted patterns.</summary>
    public long TotalFailures { get; set; }

    /// <summary>
    /// Records a failure at <paramref name="at"/>: joins the most similar pattern whose centroid has a
    /// cosine of at least <see cref="QualityPolicy.PatternJoinThreshold"/> with
    /// <paramref name="embedding"/> (and passes the domain guard), or starts a new pattern; then
    /// evicts the stalest patterns past the cap and trims the recent list.
    /// </summary>
    /// <param name="scenario">The scenario the tool failed on (must not be blank).</param>
    /// <param name="embedding">The scenario's embedding; copied, never kept by reference.</param>
    /// <param name="error">The error message, if any.</param>
    /// <param name="severity">The failure's severity; <see cref="FailureSeverity.None"/> is refused.</param>
    /// <param name="at">When it failed.</param>
    /// <param name="policy">Thresholds and caps.</param>
    /// <param name="negativeTags">Gives the scenario's domains; default <see cref="NegativeTags.Default"/>.</param>
    /// <exception cref="ArgumentException">Blank scenario, empty embedding, or severity None.</exception>
    public FailureRecordResult Record(
        string scenario, ReadOnlySpan<float> embedding, string? error, FailureSeverity severity, DateTimeOffset at,
        QualityPolicy policy, NegativeTags? negativeTags = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(scenario);
        ArgumentNullException.ThrowIfNull(policy);
        if (embedding.IsEmpty)
            throw new ArgumentException("The scenario's embedding is empty.", nameof(embedding));
        if (severity is FailureSeverity.None || !Enum.IsDefined(severity))
            throw new ArgumentException($"A recorded failure has severity low, medium or high, not {severity}.", nameof(severity));

        var domains = (negativeTags ?? NegativeTags.Default).Domains(scenario);
        FailurePattern? best = null;
        var bestCosine = float.NegativeInfinity;
        foreach (var pattern in Patterns)
        {
            if (pattern.Centroid.Length != embedding.Length || !DomainsCompatible(pattern.Domains, domains))
                continue;
            var cosine = VectorMath.CosineSimilarity(pattern.Centroid, embedding);
            if (cosine >= policy.PatternJoinThreshold && cosine > bestCosine)
            {
                best = pattern;
                bestCosine = cosine;
            }
        }

        var isNew = best is null;
        if (best is null)
        {
            best = new FailurePattern
            {
                Centroid = embedding.ToArray(),
                FirstSeen = at,
                LastSeen = at,
                RepresentativeScenario = scenario,
            };
            Patterns.Add(best);
        }
        else
        {
            VectorMath.UpdateCentroid(best.Centroid, embedding, best.Count);
        }
        best.Join(scenario, error, severity, at, domains, policy);

        var evicted = new List<FailurePattern>();
        while (Patterns.Count > Math.Max(1, policy.MaxFailurePatterns))
        {
            var stalest = Patterns
                .OrderBy(p => p.LastSeen).ThenBy(p => p.Count).ThenBy(p => p.FirstSeen)
                .First();
            Patterns.Remove(stalest);
            evicted.Add(stalest);
        }

        RecentFailures.Add(new FailureEntry { Scenario = scenario, Error = error, Severity = severity, At = at });
        if (RecentFailures.Count > policy.MaxRecentFailures)
            RecentFailures.RemoveRange(0, RecentFailures.Count - policy.MaxRecentFailures);
        TotalFailures++;

        return new FailureRecordResult(best, isNew, evicted);
    }

    /// <summary>
    /// How this tool's past failures bear on a scenario at <paramref name="now"/>.
    /// <para>
    /// A pattern is <i>similar</i> when the cosine of its centroid with
    /// <paramref name="scenarioEmbedding"/> is at least <see cref="QualityPolicy.SimilarityThreshold"/>
    /// and, when <paramref name="scenarioText"/> is given, the domain guard (class remarks) allows.
    /// Over the similar patterns, let r = the decay weight of the most recent similar failure
    /// (2^(-age/half-life), 1 when fresh) and W = the decayed count of all similar failures
    /// (each weighted by its own age; W ≥ r). Then
    /// </para>
    /// <code>failure_demotion = SimilarFailureDemotion·r + min(MaxRepeatedFailureDemotion, RepeatedFailureDemotion·(W − r))</code>
    /// <para>
    /// With the defaults: one fresh similar failure 0.30, two 0.35, three or more 0.40; one similar
    /// failure a half-life old 0.15; none 0.
    /// </para>
    /// </summary>
    public FailureAssessment Assess(
        ReadOnlySpan<float> scenarioEmbedding, DateTimeOffset now, QualityPolicy policy,
        string? scenarioText = null, NegativeTags? negativeTags = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (scenarioEmbedding.IsEmpty || Patterns.Count == 0)
            return FailureAssessment.None;

        IReadOnlyList<string> domains = scenarioText is null ? [] : (negativeTags ?? NegativeTags.Default).Domains(scenarioText);
        long similar = 0;
        double weighted = 0, recent = 0;
        var bestCosine = 0f;
        foreach (var pattern in Patterns)
        {
            // A pattern from another embedding model (other dimensions) cannot be compared; it ages out.
            if (pattern.Centroid.Length != scenarioEmbedding.Length || !DomainsCompatible(pattern.Domains, domains))
                continue;
            var cosine = VectorMath.CosineSimilarity(pattern.Centroid, scenarioEmbedding);
            if (cosine < policy.SimilarityThreshold)
                continue;
            similar += pattern.Count;
            weighted += pattern.DecayedCountAt(now, policy);
            recent = Math.Max(recent, policy.DecayWeight(pattern.LastSeen, now));
            bestCosine = Math.Max(bestCosine, cosine);
        }
        if (similar == 0)
            return FailureAssessment.None;

        var repeated = Math.Min(policy.MaxRepeatedFailureDemotion, policy.RepeatedFailureDemotion * Math.Max(0, weighted - recent));
        var demotion = Math.Round(policy.SimilarFailureDemotion * recent + repeated, 6, MidpointRounding.AwayFromZero);
        return new FailureAssessment(similar, demotion, weighted, bestCosine);
    }

    /// <summary>The <c>failure_demotion</c> of <see cref="Assess"/>.</summary>
    public double Demotion(
        ReadOnlySpan<float> scenarioEmbedding, DateTimeOffset now, QualityPolicy policy,
        string? scenarioText = null, NegativeTags? negativeTags = null) =>
        Assess(scenarioEmbedding, now, policy, scenarioText, negativeTags).Demotion;

    /// <summary>The patterns with the most failures first (ties: most recent first): the tool's
    /// "common failure scenarios".</summary>
    public IReadOnlyList<FailurePattern> CommonPatterns(int count) =>
        [.. Patterns.OrderByDescending(p => p.Count).ThenByDescending(p => p.LastSeen).Take(Math.Max(0, count))];

    /// <summary>The domain guard (class remarks): two sets of domains are compatible unless both are non-empty and disjoint.</summary>
    internal static bool DomainsCompatible(IReadOnlyCollection<string> patternDomains, IReadOnlyCollection<string> scenarioDomains) =>
        patternDomains.Count == 0 || scenarioDomains.Count == 0 || patternDomains.Any(scenarioDomains.Contains);
}

/// <summary>A cluster of similar failures of one tool.</summary>
public sealed class FailurePattern
{
    /// <summary>The running mean of the member failures' scenario embeddings (unnormalized).</summary>
    public float[] Centroid { get; set; } = [];

    /// <summary>Failures in the pattern.</summary>
    public int Count { get; set; }

    /// <summary>Failures in the pattern, each weighted by its age as of <see cref="LastSeen"/>
    /// (exponential decay with the policy's half-life); see <see cref="DecayedCountAt"/>.</summary>
    public double DecayedCount { get; set; }

    public DateTimeOffset FirstSeen { get; set; }

    public DateTimeOffset LastSeen { get; set; }

    /// <summary>The scenario that started the pattern.</summary>
    public string RepresentativeScenario { get; set; } = "";

    public string LatestScenario { get; set; } = "";

    public string? LatestError { get; set; }

    public int LowCount { get; set; }

    public int MediumCount { get; set; }

    public int HighCount { get; set; }

    /// <summary>Canonical domains the member scenarios named (<see cref="NegativeTags.Domains"/>), for the domain guard.</summary>
    public List<string> Domains { get; set; } = [];

    /// <summary>The decayed failure count at <paramref name="now"/>.</summary>
    public double DecayedCountAt(DateTimeOffset now, QualityPolicy policy) =>
        DecayedCount * policy.DecayWeight(LastSeen, now);

    internal void Join(string scenario, string? error, FailureSeverity severity, DateTimeOffset at, IReadOnlyList<string> domains, QualityPolicy policy)
    {
        if (Count == 0 || at >= LastSeen)
        {
            // Age what was there to the new failure's time, then add it at full weight.
            DecayedCount = (Count == 0 ? 0 : DecayedCount * policy.DecayWeight(LastSeen, at)) + 1;
            LastSeen = at;
            LatestScenario = scenario;
            LatestError = error;
        }
        else
        {
            // Reported late (clocks of two silos): it counts as old as it is.
            DecayedCount += policy.DecayWeight(at, LastSeen);
        }
        if (at < FirstSeen)
            FirstSeen = at;
        Count++;
        switch (severity)
        {
            case FailureSeverity.Low: LowCount++; break;
            case FailureSeverity.Medium: MediumCount++; break;
            case FailureSeverity.High: HighCount++; break;
        }
        foreach (var domain in domains)
            if (!Domains.Contains(domain))
                Domains.Add(domain);
    }
}

/// <summary>One raw failure, as kept in <see cref="FailureMemory.RecentFailures"/>.</summary>
public sealed class FailureEntry
{
    public string Scenario { get; set; } = "";

    public string? Error { get; set; }

    public FailureSeverity Severity { get; set; }

    public DateTimeOffset At { get; set; }
}

/// <summary>What <see cref="FailureMemory.Record"/> did.</summary>
/// <param name="Pattern">The pattern the failure joined or started.</param>
/// <param name="NewPattern">Whether it started a new pattern.</param>
/// <param name="Evicted">Patterns evicted to stay within the cap (possibly <paramref name="Pattern"/> itself, for a very late report).</param>
public sealed record FailureRecordResult(FailurePattern Pattern, bool NewPattern, IReadOnlyList<FailurePattern> Evicted);

/// <summary>How a tool's past failures bear on one scenario.</summary>
/// <param name="SimilarFailures">Past failures (in similar patterns) similar to the scenario, undecayed.</param>
/// <param name="Demotion">The <c>failure_demotion</c> to subtract from the similarity; 0 when none is similar.</param>
/// <param name="WeightedSimilarFailures">The similar failures' decayed count (W).</param>
/// <param name="BestSimilarity">The highest cosine of a similar pattern; 0 when none.</param>
public readonly record struct FailureAssessment(long SimilarFailures, double Demotion, double WeightedSimilarFailures, float BestSimilarity)
{
    public static FailureAssessment None => default;
}
