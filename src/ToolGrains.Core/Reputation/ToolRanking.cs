using ToolGrains.Core.Embeddings;

namespace ToolGrains.Core.Reputation;

/// <summary>
/// A tool as the ranking sees it. <see cref="ToolId"/>, <see cref="Tags"/> and
/// <see cref="DescriptionEmbedding"/> come from the catalog and are enough for
/// <see cref="ToolRanking.Shortlist"/>; the reputation fields (<see cref="Quality"/>,
/// <see cref="NegativeTags"/>, <see cref="Deprecated"/>, <see cref="FailureDemotion"/>) are filled
/// in, with <c>with { ... }</c>, from each shortlisted tool's reputation before
/// <see cref="ToolRanking.Rank(RankingRequest, IEnumerable{ToolCandidate})"/>.
/// </summary>
/// <param name="ToolId">The tool's id; the final tie-break (ordinal).</param>
/// <param name="Tags">The tool's tags; a candidate needs all of a request's tags (case-insensitive).</param>
/// <param name="DescriptionEmbedding">The embedding of the tool's description.</param>
public sealed record ToolCandidate(string ToolId, IReadOnlyCollection<string> Tags, ReadOnlyMemory<float> DescriptionEmbedding)
{
    /// <summary>Current quality, 0..1. Default 1 (unknown yet: does not change the similarity order).</summary>
    public double Quality { get; init; } = 1;

    /// <summary>Negative tags such as <c>not-for-json</c>. Default none.</summary>
    public IReadOnlyCollection<string> NegativeTags { get; init; } = [];

    /// <summary>A deprecated tool is ranked only when no other candidate carries the request's tags. Default false.</summary>
    public bool Deprecated { get; init; }

    /// <summary>Skipped, like a deprecated tool, unless nothing else remains: its circuit breaker is open or it asked
    /// to be left alone (<c>Retry-After</c>). Default false.</summary>
    public bool Excluded { get; init; }

    /// <summary>The circuit breaker's state (<c>closed</c>, <c>open</c>, <c>half_open</c>), for the answer. Default closed.</summary>
    public string Breaker { get; init; } = "closed";

    /// <summary>The tool's <c>failure_demotion</c> for the request's scenario
    /// (<see cref="FailureMemory.Demotion"/>). Default 0.</summary>
    public double FailureDemotion { get; init; }
}

/// <summary>What is being ranked for.</summary>
/// <param name="ScenarioText">The scenario; its domains decide negative-tag hits.</param>
/// <param name="ScenarioEmbedding">The scenario's embedding, from the same model as the descriptions'.</param>
/// <param name="RequiredTags">Tags every candidate must carry (case-insensitive); empty for none.</param>
public sealed record RankingRequest(string ScenarioText, ReadOnlyMemory<float> ScenarioEmbedding, IReadOnlyCollection<string> RequiredTags);

/// <summary>One ranked tool with the numbers that placed it, for the <c>attempts</c> of an answer.</summary>
/// <param name="ToolId">The tool.</param>
/// <param name="Similarity">Cosine of the scenario and the description embeddings.</param>
/// <param name="FailureDemotion">Subtracted from the similarity for similar past failures.</param>
/// <param name="Quality">The tool's quality.</param>
/// <param name="Score"><c>(Similarity − FailureDemotion) × Quality</c>.</param>
/// <param name="NegativeTagHit">Whether the scenario hits one of the tool's negative tags; such tools rank after all others.</param>
/// <param name="MatchedNegativeTags">The tags hit.</param>
public sealed record RankedTool(
    string ToolId, double Similarity, double FailureDemotion, double Quality, double Score,
    bool NegativeTagHit, IReadOnlyList<string> MatchedNegativeTags)
{
    /// <summary>Deprecated or excluded by its breaker, and ranked only because no other candidate carried the tags.</summary>
    public bool Forced { get; init; }

    /// <summary>The candidate's <see cref="ToolCandidate.Breaker"/>.</summary>
    public string Breaker { get; init; } = "closed";
}

/// <summary>
/// Ranking of candidate tools for a scenario (docs/architecture.md <c>resilient_tool_call</c>, issue 5).
/// <list type="number">
/// <item>Filter: a candidate carries every required tag. Deprecated and excluded (breaker open) candidates are
/// dropped while another candidate remains; when none would remain, they are all ranked, marked
/// <see cref="RankedTool.Forced"/>: learning never empties the candidate set of a tag.</item>
/// <item>Score: <c>final_score = (similarity − failure_demotion) × quality</c>.</item>
/// <item>Order: tools whose negative tags the scenario hits come after all that it does not hit;
/// within each group by score descending, then similarity descending, then quality descending,
/// then tool id (ordinal) — the same input always gives the same order.</item>
/// </list>
/// For many tools, call <see cref="Shortlist"/> first (similarity alone, from the catalog's data)
/// and fetch reputations only for the shortlisted: since quality ≤ 1 and demotion ≥ 0, a tool's
/// score never exceeds its similarity, so the best-scored tools are among the most similar ones
/// unless a long run of the most similar tools all carry heavy demotions; a shortlist a few times
/// the number of attempts covers that.
/// </summary>
public static class ToolRanking
{
    /// <summary>Whether a candidate carries all required tags (deprecated or not: see <see cref="IsExcluded"/>).</summary>
    public static bool IsEligible(ToolCandidate candidate, IReadOnlyCollection<string> requiredTags)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(requiredTags);
        foreach (var tag in requiredTags)
            if (!candidate.Tags.Contains(tag, StringComparer.OrdinalIgnoreCase))
                return false;
        return true;
    }

    /// <summary>Whether a candidate is skipped while another remains: deprecated, or excluded by its breaker.</summary>
    public static bool IsExcluded(ToolCandidate candidate) => candidate.Deprecated || candidate.Excluded;

    /// <summary>
    /// The <paramref name="k"/> eligible candidates most similar to the scenario, most similar first
    /// (ties by tool id), each with its similarity. Needs only the catalog fields of the candidates;
    /// a candidate whose reputation is unknown yet should be passed not deprecated.
    /// </summary>
    public static IReadOnlyList<(ToolCandidate Candidate, double Similarity)> Shortlist(
        RankingRequest request, IEnumerable<ToolCandidate> candidates, int k)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        if (k == 0)
            return [];
        // A bounded min-heap keeps this O(n log k): 1,000 candidates, k = 20, no full sort.
        var heap = new PriorityQueue<(ToolCandidate Candidate, double Similarity), (double, string)>(k + 1, WorstFirst.Instance);
        var scenario = request.ScenarioEmbedding.Span;
        foreach (var candidate in candidates)
        {
            if (!IsEligible(candidate, request.RequiredTags))
                continue;
            var similarity = Similarity(scenario, candidate.DescriptionEmbedding.Span);
            heap.Enqueue((candidate, similarity), (similarity, candidate.ToolId));
            if (heap.Count > k)
                heap.Dequeue();
        }
        var result = new (ToolCandidate, double)[heap.Count];
        for (var i = result.Length - 1; i >= 0; i--)
            result[i] = heap.Dequeue();
        return result;
    }

    /// <summary>
    /// The hybrid shortlist (issue 15): reciprocal-rank fusion of the <paramref name="k"/> eligible candidates most similar
    /// to the scenario and the <paramref name="k"/> with the best <paramref name="lexical"/> BM25 scores
    /// (<see cref="Bm25Index"/>, one score per candidate in the order of <paramref name="candidates"/>; 0 for no shared
    /// term): each scores <c>1/(60 + rank)</c> in each list it is in, and the best <paramref name="k"/> of the union are
    /// kept. So a tool whose id, tags or description name the request's rare words is assessed even when the
    /// embedding rates it low. O(n log k), like <see cref="Shortlist"/>. Without <paramref name="lexical"/>,
    /// <see cref="Shortlist"/>.
    /// </summary>
    public static IReadOnlyList<(ToolCandidate Candidate, double Similarity)> HybridShortlist(
        RankingRequest request, IReadOnlyList<ToolCandidate> candidates, int k, IReadOnlyList<double>? lexical)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        var dense = Shortlist(request, candidates, k);
        if (lexical is null || lexical.Count != candidates.Count || k == 0)
            return dense;
        var heap = new PriorityQueue<int, (double, string)>(k + 1, WorstFirst.Instance);
        for (var i = 0; i < candidates.Count; i++)
        {
            if (lexical[i] <= 0 || !IsEligible(candidates[i], request.RequiredTags)) continue;
            heap.Enqueue(i, (lexical[i], candidates[i].ToolId));
            if (heap.Count > k) heap.Dequeue();
        }
        if (heap.Count == 0)
            return dense;
        var byLexical = new int[heap.Count];
        for (var r = byLexical.Length - 1; r >= 0; r--) byLexical[r] = heap.Dequeue();

        const double K = 60;
        var fused = new Dictionary<string, (ToolCandidate Candidate, double Similarity, double Score)>(StringComparer.Ordinal);
        for (var r = 0; r < dense.Count; r++)
            fused[dense[r].Candidate.ToolId] = (dense[r].Candidate, dense[r].Similarity, 1 / (K + r + 1));
        var scenario = request.ScenarioEmbedding.Span;
        for (var r = 0; r < byLexical.Length; r++)
        {
            var candidate = candidates[byLexical[r]];
            fused[candidate.ToolId] = fused.TryGetValue(candidate.ToolId, out var f)
                ? f with { Score = f.Score + 1 / (K + r + 1) }
                : (candidate, Similarity(scenario, candidate.DescriptionEmbedding.Span), 1 / (K + r + 1));
        }
        return [.. fused.Values.OrderByDescending(f => f.Score).ThenByDescending(f => f.Similarity).ThenBy(f => f.Candidate.ToolId, StringComparer.Ordinal)
            .Take(k).Select(f => (f.Candidate, f.Similarity))];
    }

    /// <summary>Filters, scores and orders candidates whose <see cref="ToolCandidate.FailureDemotion"/> is filled in.</summary>
    public static IReadOnlyList<RankedTool> Rank(RankingRequest request, IEnumerable<ToolCandidate> candidates) =>
        Rank(request, candidates, NegativeTags.Default, static c => c.FailureDemotion);

    /// <summary>Filters, scores and orders candidates, asking <paramref name="failureDemotion"/> for each
    /// eligible candidate's demotion (for example <c>c =&gt; memories[c.ToolId].Demotion(...)</c>).</summary>
    public static IReadOnlyList<RankedTool> Rank(
        RankingRequest request, IEnumerable<ToolCandidate> candidates, Func<ToolCandidate, double> failureDemotion) =>
        Rank(request, candidates, NegativeTags.Default, failureDemotion);

    /// <summary>As <see cref="Rank(RankingRequest, IEnumerable{ToolCandidate}, Func{ToolCandidate, double})"/>
    /// with a custom negative-tag vocabulary.</summary>
    public static IReadOnlyList<RankedTool> Rank(
        RankingRequest request, IEnumerable<ToolCandidate> candidates, NegativeTags negativeTags,
        Func<ToolCandidate, double> failureDemotion)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(negativeTags);
        ArgumentNullException.ThrowIfNull(failureDemotion);
        var scenario = request.ScenarioEmbedding.Span;
        var ranked = new List<RankedTool>();
        var eligible = candidates.Where(c => IsEligible(c, request.RequiredTags)).ToList();
        var forced = eligible.Count > 0 && eligible.All(IsExcluded);
        foreach (var candidate in eligible)
        {
            if (!forced && IsExcluded(candidate))
                continue;
            var similarity = Similarity(scenario, candidate.DescriptionEmbedding.Span);
            var demotion = failureDemotion(candidate);
            var hits = negativeTags.Hits(request.ScenarioText, candidate.NegativeTags);
            ranked.Add(new RankedTool(
                candidate.ToolId, similarity, demotion, candidate.Quality, Score(similarity, demotion, candidate.Quality),
                hits.Count > 0, hits) { Forced = forced, Breaker = candidate.Breaker });
        }
        ranked.Sort(Compare);
        return ranked;
    }

    /// <summary><c>final_score = (similarity − failure_demotion) × quality</c>.</summary>
    public static double Score(double similarity, double failureDemotion, double quality) =>
        (similarity - failureDemotion) * quality;

    /// <summary>The ranking order (class remarks): negative-tag misses first, then score, similarity,
    /// quality descending, then tool id ordinal.</summary>
    public static int Compare(RankedTool? x, RankedTool? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return 1;
        if (y is null) return -1;
        var c = x.NegativeTagHit.CompareTo(y.NegativeTagHit);
        if (c != 0) return c;
        c = y.Score.CompareTo(x.Score);
        if (c != 0) return c;
        c = y.Similarity.CompareTo(x.Similarity);
        if (c != 0) return c;
        c = y.Quality.CompareTo(x.Quality);
        return c != 0 ? c : string.CompareOrdinal(x.ToolId, y.ToolId);
    }

    // A description from another model (other dimensions) is unrelated, not an error that fails the call.
    private static double Similarity(ReadOnlySpan<float> scenario, ReadOnlySpan<float> description) =>
        scenario.Length == description.Length ? VectorMath.CosineSimilarity(scenario, description) : 0;

    // Orders the heap so its root is the candidate to drop first: lowest similarity, then the
    // greatest tool id (so the kept set matches the ordinal tie-break of the result).
    private sealed class WorstFirst : IComparer<(double Similarity, string ToolId)>
    {
        public static readonly WorstFirst Instance = new();

        public int Compare((double Similarity, string ToolId) x, (double Similarity, string ToolId) y)
        {
            var c = x.Similarity.CompareTo(y.Similarity);
            return c != 0 ? c : string.CompareOrdinal(y.ToolId, x.ToolId);
        }
    }
}
