using ToolGrains.Core.Embeddings;

namespace ToolGrains.Core.Reputation;

/// <summary>One failure pattern of one tool, as analytics groups it across tools.</summary>
/// <param name="ToolId">The tool whose pattern it is.</param>
/// <param name="Scenario">The pattern's representative scenario.</param>
/// <param name="Count">Failures in the pattern.</param>
/// <param name="Embedding">The embedding of <paramref name="Scenario"/>.</param>
/// <param name="Domains">The domains the pattern's scenarios named, for the domain guard of <see cref="FailureMemory"/>.</param>
/// <param name="LatestError">The error of the pattern's latest failure.</param>
public sealed record ScenarioSample(
    string ToolId, string Scenario, long Count, DateTimeOffset FirstSeen, DateTimeOffset LastSeen,
    ReadOnlyMemory<float> Embedding, IReadOnlyCollection<string> Domains, string? LatestError = null);

/// <summary>Similar failure patterns of one or more tools: a "common failure scenario".</summary>
/// <param name="Name">The representative scenario of the member with the most failures.</param>
/// <param name="Members">The members, most failures first.</param>
public sealed record ScenarioGroup(string Name, IReadOnlyList<ScenarioSample> Members)
{
    public long Count => Members.Sum(m => m.Count);

    public DateTimeOffset LastSeen => Members.Max(m => m.LastSeen);
}

/// <summary>
/// Groups failure patterns of many tools by the similarity of their scenarios, so that analytics shows
/// "analyze javascript code" failing on three tools as one scenario instead of three rows.
/// </summary>
public static class ScenarioGrouping
{
    /// <summary>
    /// Greedy and deterministic: samples are taken most failures first (ties: latest, then tool id), each
    /// joining the group whose count-weighted centroid is the most similar at a cosine of at least
    /// <paramref name="threshold"/> (and whose domains the domain guard allows), else starting a group.
    /// Taking the biggest first makes the group's name the scenario most failures were about.
    /// </summary>
    /// <returns>The groups, most failures first (ties: latest first).</returns>
    public static IReadOnlyList<ScenarioGroup> Group(IEnumerable<ScenarioSample> samples, double threshold)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var groups = new List<(List<ScenarioSample> Members, float[] Centroid, long Weight, HashSet<string> Domains)>();
        foreach (var sample in samples
            .OrderByDescending(s => s.Count).ThenByDescending(s => s.LastSeen)
            .ThenBy(s => s.ToolId, StringComparer.Ordinal).ThenBy(s => s.Scenario, StringComparer.Ordinal))
        {
            var vector = VectorMath.Normalized(sample.Embedding.Span);
            var best = -1;
            var bestCosine = float.NegativeInfinity;
            for (var i = 0; i < groups.Count; i++)
            {
                var group = groups[i];
                if (group.Centroid.Length != vector.Length || !FailureMemory.DomainsCompatible(group.Domains, [.. sample.Domains]))
                    continue;
                var cosine = VectorMath.CosineSimilarity(group.Centroid, vector);
                if (cosine >= threshold && cosine > bestCosine)
                {
                    best = i;
                    bestCosine = cosine;
                }
            }
            if (best < 0)
            {
                groups.Add(([sample], vector, Math.Max(1, sample.Count), [.. sample.Domains]));
                continue;
            }
            var joined = groups[best];
            joined.Members.Add(sample);
            // A count-weighted mean of unit vectors: a pattern of 50 failures pulls the centroid more than one of 2.
            var weight = Math.Max(1, sample.Count);
            for (var d = 0; d < vector.Length; d++)
                joined.Centroid[d] = (joined.Centroid[d] * joined.Weight + vector[d] * weight) / (joined.Weight + weight);
            joined.Domains.UnionWith(sample.Domains);
            groups[best] = joined with { Weight = joined.Weight + weight };
        }
        return [.. groups
            .Select(g => new ScenarioGroup(g.Members[0].Scenario, g.Members))
            .OrderByDescending(g => g.Count).ThenByDescending(g => g.LastSeen).ThenBy(g => g.Name, StringComparer.Ordinal)];
    }
}
