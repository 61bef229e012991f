using ToolGrains.Core.Embeddings;

namespace ToolGrains.Core.Reputation;

/// <summary>
/// What one tool is good at (issue 15): success and permanent-failure evidence per kind of request, so that the
/// invoker estimates the probability that the tool succeeds for this request before trying it. A kind is a
/// cluster of requests whose scenarios are close (<see cref="CompetencePolicy.JoinThreshold"/>) and whose
/// <see cref="RequestKind"/> terms are compatible.
/// <para>The estimate is a two-level Beta-Bernoulli mean, every count decayed with
/// <see cref="CompetencePolicy.HalfLife"/>:</para>
/// <code>p_tool = (k0·declared + S) / (k0 + S + F)          over every call of the tool
/// p_kind = (k1·p_tool + s) / (k1 + s + f)           over the calls of kinds similar to the request</code>
/// <para>So a tool is judged per kind once it has evidence for the kind, and by its overall record (starting
/// from its declared quality) for a kind it has not seen: one kind it cannot do demotes it for that kind, and
/// only a little elsewhere. Transient faults are not evidence here (<see cref="CircuitBreaker"/>).</para>
/// <para>A plain model with public setters, held in a grain's persistent state; not thread-safe.</para>
/// </summary>
public sealed class CompetenceMemory
{
    public List<CompetenceKind> Kinds { get; set; } = [];

    /// <summary>Decayed successes of the tool as of <see cref="UpdatedAt"/>.</summary>
    public double Successes { get; set; }

    /// <summary>Decayed permanent failures of the tool as of <see cref="UpdatedAt"/>.</summary>
    public double Failures { get; set; }

    public DateTimeOffset? UpdatedAt { get; set; }

    public long TotalSuccesses { get; set; }

    public long TotalFailures { get; set; }

    /// <summary>Records one outcome of a request of <paramref name="terms"/> (<see cref="RequestKind.Terms"/>).
    /// An empty embedding counts tool-wide only.</summary>
    public void Record(string scenario, ReadOnlySpan<float> embedding, IReadOnlyList<string> terms, bool success,
        DateTimeOffset at, CompetencePolicy policy)
    {
        ArgumentNullException.ThrowIfNull(terms);
        ArgumentNullException.ThrowIfNull(policy);
        var decay = UpdatedAt is { } updated ? policy.DecayWeight(updated, at) : 1;
        Successes = Successes * decay + (success ? 1 : 0);
        Failures = Failures * decay + (success ? 0 : 1);
        if (UpdatedAt is null || at > UpdatedAt) UpdatedAt = at;
        if (success) TotalSuccesses++; else TotalFailures++;
        if (embedding.IsEmpty) return;

        CompetenceKind? best = null;
        var bestCosine = float.NegativeInfinity;
        foreach (var kind in Kinds)
        {
            if (kind.Centroid.Length != embedding.Length || !RequestKind.Compatible(kind.Terms, terms)) continue;
            var cosine = VectorMath.CosineSimilarity(kind.Centroid, embedding);
            if (cosine >= policy.JoinThreshold && cosine > bestCosine)
            {
                best = kind;
                bestCosine = cosine;
            }
        }
        if (best is null)
        {
            best = new CompetenceKind { Centroid = embedding.ToArray(), Terms = [.. terms], Scenario = scenario, LastSeen = at };
            Kinds.Add(best);
        }
        else
        {
            VectorMath.UpdateCentroid(best.Centroid, embedding, best.Count);
        }
        var kindDecay = best.Count == 0 ? 1 : policy.DecayWeight(best.LastSeen, at);
        best.Successes = best.Successes * kindDecay + (success ? 1 : 0);
        best.Failures = best.Failures * kindDecay + (success ? 0 : 1);
        if (at > best.LastSeen) best.LastSeen = at;
        best.Count++;

        while (Kinds.Count > Math.Max(1, policy.MaxKinds))
            Kinds.Remove(Kinds.OrderBy(k => k.LastSeen).ThenBy(k => k.Count).First());
    }

    /// <summary>The estimate for a request (class remarks) at <paramref name="now"/>, from <paramref name="declaredQuality"/>
    /// as the prior.</summary>
    public CompetenceEstimate Estimate(ReadOnlySpan<float> embedding, IReadOnlyList<string> terms, double declaredQuality,
        DateTimeOffset now, CompetencePolicy policy)
    {
        ArgumentNullException.ThrowIfNull(terms);
        ArgumentNullException.ThrowIfNull(policy);
        var decay = UpdatedAt is { } updated ? policy.DecayWeight(updated, now) : 1;
        double s = Successes * decay, f = Failures * decay;
        var prior = Math.Clamp(declaredQuality, 0, 1);
        var tool = (policy.ToolPriorStrength * prior + s) / (policy.ToolPriorStrength + s + f);

        double ks = 0, kf = 0;
        if (!embedding.IsEmpty)
        {
            var span = policy.JoinThreshold - policy.SimilarityThreshold;
            foreach (var kind in Kinds)
            {
                if (kind.Centroid.Length != embedding.Length || !RequestKind.Compatible(kind.Terms, terms)) continue;
                var cosine = VectorMath.CosineSimilarity(kind.Centroid, embedding);
                if (cosine < policy.SimilarityThreshold) continue;
                var weight = cosine >= policy.JoinThreshold || span <= 0 ? 1 : (cosine - policy.SimilarityThreshold) / span;
                var age = policy.DecayWeight(kind.LastSeen, now);
                ks += weight * age * kind.Successes;
                kf += weight * age * kind.Failures;
            }
        }
        var estimate = (policy.KindPriorStrength * tool + ks) / (policy.KindPriorStrength + ks + kf);
        return new CompetenceEstimate(Round(estimate), Round(tool), Round(ks), Round(kf));
    }

    private static double Round(double value) => Math.Round(value, 6, MidpointRounding.AwayFromZero);
}

/// <summary>One kind of request a tool was called for, with its evidence.</summary>
public sealed class CompetenceKind
{
    /// <summary>Running mean of the member scenarios' embeddings.</summary>
    public float[] Centroid { get; set; } = [];

    /// <summary>The <see cref="RequestKind"/> terms of the request that started the kind.</summary>
    public List<string> Terms { get; set; } = [];

    /// <summary>The scenario that started the kind.</summary>
    public string Scenario { get; set; } = "";

    /// <summary>Decayed successes as of <see cref="LastSeen"/>.</summary>
    public double Successes { get; set; }

    /// <summary>Decayed permanent failures as of <see cref="LastSeen"/>.</summary>
    public double Failures { get; set; }

    /// <summary>Calls recorded, undecayed.</summary>
    public int Count { get; set; }

    public DateTimeOffset LastSeen { get; set; }
}

/// <summary>A tool's estimated probability of success for one request.</summary>
/// <param name="Kind">For the request's kind (p_kind): what the invoker ranks by.</param>
/// <param name="Tool">Tool-wide (p_tool), the kind's prior.</param>
/// <param name="KindSuccesses">Decayed, similarity-weighted successes of similar kinds.</param>
/// <param name="KindFailures">Decayed, similarity-weighted permanent failures of similar kinds.</param>
public readonly record struct CompetenceEstimate(double Kind, double Tool, double KindSuccesses, double KindFailures)
{
    /// <summary>The share of the failure memory's demotion that applies to this request: (f + 1) / (s + f + 1). A kind
    /// the tool has proven it handles is not demoted for failures of similar-sounding requests it cannot handle.</summary>
    public double DemotionShare => (KindFailures + 1) / (KindSuccesses + KindFailures + 1);

    /// <summary>Whether successes outweigh failures for the kind: then a negative tag the request hits does not apply.</summary>
    public bool Proven => KindSuccesses >= 1 && KindSuccesses > KindFailures;
}
