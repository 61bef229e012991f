namespace ToolGrains.Core.Reputation;

/// <summary>
/// The numbers of tool reputation (docs/architecture.md, issue 4), and the pure functions that apply them.
/// Qualities are rounded to 6 decimals after each change so that 0.85 − 0.05 reads 0.8, not
/// 0.7999999999999999, in every answer and in stored state.
/// </summary>
public sealed record QualityPolicy
{
    /// <summary>The policy every caller gets unless it configures another.</summary>
    public static QualityPolicy Default { get; } = new();

    /// <summary>Quality lost to a low-severity failure. Default 0.01.</summary>
    public double LowDemotion { get; init; } = 0.01;

    /// <summary>Quality lost to a medium-severity failure. Default 0.05.</summary>
    public double MediumDemotion { get; init; } = 0.05;

    /// <summary>Quality lost to a high-severity failure. Default 0.10.</summary>
    public double HighDemotion { get; init; } = 0.10;

    /// <summary>Quality never drops below this. Default 0.</summary>
    public double QualityFloor { get; init; }

    /// <summary>Quality gained by a success, never past the tool's registered quality, so a fixed tool wins
    /// its place back over about ten successes per high failure. Default 0.01.</summary>
    public double RecoveryGain { get; init; } = 0.01;

    /// <summary>A tool is deprecated when its failure count exceeds this (and quality is below
    /// <see cref="DeprecationQuality"/>). Default 20.</summary>
    public int DeprecationFailureCount { get; init; } = 20;

    /// <summary>A tool is deprecated when its quality is below this (and failures exceed
    /// <see cref="DeprecationFailureCount"/>). Default 0.3.</summary>
    public double DeprecationQuality { get; init; } = 0.3;

    /// <summary>
    /// A past failure is "similar" to a scenario when the cosine of their embeddings is at least this.
    /// Default 0.45, chosen from MiniLM measurements: paraphrases of a task score 0.47–0.81
    /// ("analyze javascript code" ~ "lint this javascript file" 0.54; "analyze python code" ~
    /// "lint this python file" 0.47), but the same task on another domain scores as high
    /// ("analyze javascript code" ~ "analyze python code" 0.49, "parse JSON data" ~ "parse XML
    /// data" 0.56); those are told apart by the domain guard of <see cref="FailureMemory"/>, not by
    /// this threshold. With the hashing embedder, which only sees shared words, a higher value suits.
    /// </summary>
    public double SimilarityThreshold { get; init; } = 0.45;

    /// <summary>A new failure joins an existing failure pattern when the cosine with its centroid is at
    /// least this (and the domain guard allows). Default 0.6: tighter than
    /// <see cref="SimilarityThreshold"/>, so patterns stay specific and their centroids do not drift.</summary>
    public double PatternJoinThreshold { get; init; } = 0.6;

    /// <summary>Failure demotion for a similar past failure at full weight. Default 0.3 (docs/architecture.md).</summary>
    public double SimilarFailureDemotion { get; init; } = 0.3;

    /// <summary>Further failure demotion per additional similar failure at full weight. Default 0.05.</summary>
    public double RepeatedFailureDemotion { get; init; } = 0.05;

    /// <summary>Cap of the further demotion for repeated similar failures. Default 0.10.</summary>
    public double MaxRepeatedFailureDemotion { get; init; } = 0.10;

    /// <summary>Age at which a failure counts half as much in failure demotion. Default 7 days.</summary>
    public TimeSpan FailureHalfLife { get; init; } = TimeSpan.FromDays(7);

    /// <summary>Most failure patterns a tool keeps; past it the stalest (oldest last failure) is evicted. Default 64.</summary>
    public int MaxFailurePatterns { get; init; } = 64;

    /// <summary>Most raw failures a tool keeps, newest first out of the list last. Default 20.</summary>
    public int MaxRecentFailures { get; init; } = 20;

    /// <summary>Quality lost to a failure of this severity.</summary>
    public double DemotionFor(FailureSeverity severity) => severity switch
    {
        FailureSeverity.None => 0,
        FailureSeverity.Low => LowDemotion,
        FailureSeverity.Medium => MediumDemotion,
        FailureSeverity.High => HighDemotion,
        _ => throw new ArgumentOutOfRangeException(nameof(severity), severity, null),
    };

    /// <summary>Quality after a failure: lowered by <see cref="DemotionFor"/>, not below <see cref="QualityFloor"/>
    /// (nor raised to it, if it was set above a quality already lower).</summary>
    public double QualityAfterFailure(double quality, FailureSeverity severity)
    {
        var demoted = quality - DemotionFor(severity);
        return Round(Math.Min(quality, Math.Max(QualityFloor, demoted)));
    }

    /// <summary>Quality after a success: raised by <see cref="RecoveryGain"/> up to <paramref name="registeredQuality"/>;
    /// a quality already at or above it is left as it is.</summary>
    public double QualityAfterSuccess(double quality, double registeredQuality)
    {
        if (quality >= registeredQuality)
            return quality;
        return Round(Math.Min(registeredQuality, quality + RecoveryGain));
    }

    /// <summary>Whether a tool with these numbers is deprecated: more than <see cref="DeprecationFailureCount"/>
    /// failures and quality below <see cref="DeprecationQuality"/>.</summary>
    public bool ShouldDeprecate(long failureCount, double quality) =>
        failureCount > DeprecationFailureCount && quality < DeprecationQuality;

    /// <summary>The weight of a failure of age <c>now - at</c>: 2^(-age / half-life), 1 for a failure
    /// "in the future" (clock skew between silos), and always 1 with a zero or negative half-life.</summary>
    public double DecayWeight(DateTimeOffset at, DateTimeOffset now)
    {
        if (FailureHalfLife <= TimeSpan.Zero)
            return 1;
        var age = now - at;
        if (age <= TimeSpan.Zero)
            return 1;
        return Math.Pow(2, -(age / FailureHalfLife));
    }

    private static double Round(double quality) => Math.Round(quality, 6, MidpointRounding.AwayFromZero);
}
