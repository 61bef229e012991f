namespace ToolGrains.Grains.Analytics;

/// <summary>How analytics groups failures (<c>ToolGrains:Analytics</c>).</summary>
public sealed class AnalyticsOptions
{
    /// <summary>Two tools' failure patterns are one "common failure scenario" when the cosine of their
    /// representative scenarios' embeddings is at least this (and the domain guard allows). Default 0.6,
    /// the reputation policy's default <c>PatternJoinThreshold</c>: what one tool counts as the same failure,
    /// analytics counts as the same across tools.</summary>
    public double GroupSimilarity { get; set; } = 0.6;

    /// <summary>Most failure scenario groups in a report. Default 50.</summary>
    public int MaxScenarioGroups { get; set; } = 50;

    /// <summary>Reputation grains asked at once while building a report, so a catalog of thousands does not
    /// flood the cluster with one burst. Default 64.</summary>
    public int MaxConcurrentToolReads { get; set; } = 64;
}
