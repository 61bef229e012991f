namespace ToolGrains.Core.Reputation;

/// <summary>
/// The numbers of <see cref="CompetenceMemory"/>: how much evidence it takes to move a tool's estimate away from
/// its declared quality (bound from <c>ToolGrains:Reputation:Competence</c>).
/// </summary>
public sealed class CompetencePolicy
{
    /// <summary>The policy every caller gets unless it configures another.</summary>
    public static CompetencePolicy Default { get; } = new();

    /// <summary>Pseudo-calls behind the declared quality in the tool-wide estimate. Default 10: a tool that fails
    /// one request in ten stays near 0.9, however long it runs.</summary>
    public double ToolPriorStrength { get; set; } = 10;

    /// <summary>Pseudo-calls behind the tool-wide estimate in the estimate for one kind of request. Default 2: two
    /// failures of a kind with no success bring it under half of the tool-wide estimate.</summary>
    public double KindPriorStrength { get; set; } = 2;

    /// <summary>A request joins a kind when the cosine with its centroid is at least this (and the terms are
    /// compatible, <see cref="RequestKind.Compatible"/>). Default 0.6, as failure patterns join.</summary>
    public double JoinThreshold { get; set; } = 0.6;

    /// <summary>A kind counts as evidence for a request from this cosine, fully from <see cref="JoinThreshold"/>,
    /// linearly in between. Default 0.45, the failure memory's similarity threshold.</summary>
    public double SimilarityThreshold { get; set; } = 0.45;

    /// <summary>Age at which a call counts half as much. Default 7 days.</summary>
    public TimeSpan HalfLife { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Most kinds kept per tool; past it the stalest is evicted. Default 64.</summary>
    public int MaxKinds { get; set; } = 64;

    /// <summary>The weight of evidence of age <c>now - at</c>: 2^(-age / half-life); 1 for no half-life or a future time.</summary>
    public double DecayWeight(DateTimeOffset at, DateTimeOffset now)
    {
        if (HalfLife <= TimeSpan.Zero) return 1;
        var age = now - at;
        return age <= TimeSpan.Zero ? 1 : Math.Pow(2, -(age / HalfLife));
    }

    /// <summary>What is wrong with the values, for start-up validation; empty when none.</summary>
}
