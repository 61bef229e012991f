using ToolGrains.Core.Embeddings;
using ToolGrains.Core.Reputation;

namespace ToolGrains.Core.Tests.Reputation;

/// <summary>Failure memory on hand-made unit vectors, so that cosines are exact and the tests say what they mean.</summary>
public sealed class FailureMemoryTests
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly QualityPolicy Policy = QualityPolicy.Default;

    /// <summary>A unit vector at <paramref name="degrees"/> from the x axis in the x-y plane: cos of the angle between two is their similarity.</summary>
    private static float[] At(double degrees)
    {
        var r = degrees * Math.PI / 180;
        return [(float)Math.Cos(r), (float)Math.Sin(r), 0, 0];
    }

    private static readonly float[] Far = [0, 0, 1, 0];

    [Fact]
    public void No_failures_no_demotion()
    {
        Assert.Equal(FailureAssessment.None, new FailureMemory().Assess(At(0), T0, Policy));
    }

    [Fact]
    public void One_fresh_similar_failure_demotes_by_0_3()
    {
        var memory = new FailureMemory();
        memory.Record("scenario a", At(0), "boom", FailureSeverity.High, T0, Policy);
        var a = memory.Assess(At(30), T0, Policy); // cos 30° = 0.87
        Assert.Equal(1, a.SimilarFailures);
        Assert.Equal(0.3, a.Demotion);
        Assert.Equal(0.866, a.BestSimilarity, 3);
    }

    [Fact]
    public void A_dissimilar_scenario_is_not_demoted()
    {
        var memory = new FailureMemory();
        memory.Record("scenario a", At(0), "boom", FailureSeverity.High, T0, Policy);
        Assert.Equal(0, memory.Demotion(Far, T0, Policy));
        Assert.Equal(0, memory.Demotion(At(70), T0, Policy)); // cos 70° = 0.34 < 0.45
    }

    [Theory]
    [InlineData(1, 0.30)]
    [InlineData(2, 0.35)]
    [InlineData(3, 0.40)]
    [InlineData(10, 0.40)] // the repeated part is capped at 0.10
    public void Repeated_similar_failures_add_0_05_each_up_to_0_10(int failures, double expected)
    {
        var memory = new FailureMemory();
        for (var i = 0; i < failures; i++)
            memory.Record("scenario a", At(i % 2 == 0 ? 0 : 5), "boom", FailureSeverity.Medium, T0, Policy);
        var a = memory.Assess(At(0), T0, Policy);
        Assert.Equal(expected, a.Demotion, 9);
        Assert.Equal(failures, a.SimilarFailures);
    }

    [Fact]
    public void Old_failures_count_less_by_the_half_life()
    {
        var memory = new FailureMemory();
        memory.Record("scenario a", At(0), "boom", FailureSeverity.High, T0, Policy);
        Assert.Equal(0.3, memory.Demotion(At(0), T0.AddDays(0), Policy), 9);
        Assert.Equal(0.15, memory.Demotion(At(0), T0.AddDays(7), Policy), 6);
        Assert.Equal(0.075, memory.Demotion(At(0), T0.AddDays(14), Policy), 6);
        Assert.Equal(0.3, memory.Demotion(At(0), T0.AddDays(14), Policy with { FailureHalfLife = TimeSpan.Zero }), 9);
        // The count of similar failures does not decay; only their weight does.
        Assert.Equal(1, memory.Assess(At(0), T0.AddDays(70), Policy).SimilarFailures);
    }

    [Fact]
    public void Repeats_decay_each_by_its_own_age()
    {
        var memory = new FailureMemory();
        memory.Record("a", At(0), null, FailureSeverity.High, T0, Policy);             // 14 days old at now: weight 0.25
        memory.Record("a", At(0), null, FailureSeverity.High, T0.AddDays(7), Policy);  // 7 days old at now: weight 0.5
        var now = T0.AddDays(14);
        // r = 0.5 (newest is 7 days old), W = 0.25 + 0.5 = 0.75 → 0.3·0.5 + 0.05·0.25
        Assert.Equal(0.15 + 0.0125, memory.Demotion(At(0), now, Policy), 6);
        Assert.Equal(0.75, memory.Assess(At(0), now, Policy).WeightedSimilarFailures, 6);
    }

    [Fact]
    public void Similar_failures_join_one_pattern_with_a_running_centroid()
    {
        var memory = new FailureMemory();
        memory.Record("first", At(0), "e1", FailureSeverity.Low, T0, Policy);
        var r = memory.Record("second", At(20), "e2", FailureSeverity.High, T0.AddHours(1), Policy); // cos 20° = 0.94 ≥ 0.6
        Assert.False(r.NewPattern);
        var p = Assert.Single(memory.Patterns);
        Assert.Equal(2, p.Count);
        Assert.Equal((1, 0, 1), (p.LowCount, p.MediumCount, p.HighCount));
        Assert.Equal("first", p.RepresentativeScenario);
        Assert.Equal("second", p.LatestScenario);
        Assert.Equal("e2", p.LatestError);
        Assert.Equal((T0, T0.AddHours(1)), (p.FirstSeen, p.LastSeen));
        Assert.Equal(1f, VectorMath.CosineSimilarity(p.Centroid, At(10)), 4); // the mean points halfway
    }

    [Fact]
    public void A_dissimilar_failure_starts_a_new_pattern()
    {
        var memory = new FailureMemory();
        memory.Record("first", At(0), null, FailureSeverity.Low, T0, Policy);
        Assert.True(memory.Record("other", Far, null, FailureSeverity.Low, T0, Policy).NewPattern);
        Assert.Equal(2, memory.Patterns.Count);
        Assert.Equal(2, memory.TotalFailures);
    }

    [Fact]
    public void Patterns_are_capped_by_evicting_the_stalest()
    {
        var policy = Policy with { MaxFailurePatterns = 3 };
        var memory = new FailureMemory();
        // Four mutually orthogonal scenarios: four patterns, oldest first.
        float[][] axes = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]];
        for (var i = 0; i < 4; i++)
        {
            var r = memory.Record($"s{i}", axes[i], null, FailureSeverity.Low, T0.AddMinutes(i), policy);
            Assert.Equal(i == 3 ? "s0" : null, r.Evicted.SingleOrDefault()?.RepresentativeScenario);
        }
        Assert.Equal(["s1", "s2", "s3"], memory.Patterns.Select(p => p.RepresentativeScenario));
        Assert.Equal(4, memory.TotalFailures);
    }

    [Fact]
    public void Recent_failures_keep_the_newest_only()
    {
        var memory = new FailureMemory();
        for (var i = 0; i < 25; i++)
            memory.Record($"s{i}", At(i), $"e{i}", FailureSeverity.Medium, T0.AddMinutes(i), Policy);
        Assert.Equal(20, memory.RecentFailures.Count);
        Assert.Equal("s5", memory.RecentFailures[0].Scenario);
        Assert.Equal("e24", memory.RecentFailures[^1].Error);
    }

    [Fact]
    public void The_domain_guard_separates_the_same_task_on_other_domains()
    {
        var memory = new FailureMemory();
        memory.Record("analyze javascript code", At(0), null, FailureSeverity.High, T0, Policy);
        Assert.Equal(["javascript"], memory.Patterns[0].Domains);
        // Identical embeddings, but the scenario names python and the failures named javascript only.
        Assert.Equal(0, memory.Demotion(At(0), T0, Policy, "analyze python code"));
        Assert.Equal(0.3, memory.Demotion(At(0), T0, Policy, "lint this node.js file"));
        Assert.Equal(0.3, memory.Demotion(At(0), T0, Policy, "analyze code"));  // names no domain
        Assert.Equal(0.3, memory.Demotion(At(0), T0, Policy));                    // no text: cosine alone
        // A python failure does not join the javascript pattern either.
        Assert.True(memory.Record("analyze python code", At(0), null, FailureSeverity.High, T0, Policy).NewPattern);
    }

    [Fact]
    public void A_late_report_counts_as_old_as_it_is()
    {
        var memory = new FailureMemory();
        memory.Record("a", At(0), "new", FailureSeverity.High, T0.AddDays(7), Policy);
        memory.Record("a", At(0), "old", FailureSeverity.High, T0, Policy);
        var p = Assert.Single(memory.Patterns);
        Assert.Equal((T0, T0.AddDays(7)), (p.FirstSeen, p.LastSeen));
        Assert.Equal("new", p.LatestError);
        Assert.Equal(1.5, p.DecayedCount, 9);
    }

    [Fact]
    public void Invalid_failures_are_refused()
    {
        var memory = new FailureMemory();
        Assert.Throws<ArgumentException>(() => memory.Record(" ", At(0), null, FailureSeverity.High, T0, Policy));
        Assert.Throws<ArgumentException>(() => memory.Record("a", [], null, FailureSeverity.High, T0, Policy));
        Assert.Throws<ArgumentException>(() => memory.Record("a", At(0), null, FailureSeverity.None, T0, Policy));
        Assert.Empty(memory.Patterns);
    }

    [Fact]
    public void Patterns_of_another_embedding_size_are_ignored_not_fatal()
    {
        var memory = new FailureMemory();
        memory.Record("a", [1, 0], null, FailureSeverity.High, T0, Policy);
        Assert.Equal(0, memory.Demotion(At(0), T0, Policy));
        Assert.True(memory.Record("a", At(0), null, FailureSeverity.High, T0, Policy).NewPattern);
    }

    [Fact]
    public void Common_patterns_are_the_most_frequent()
    {
        var memory = new FailureMemory();
        memory.Record("rare", Far, null, FailureSeverity.Low, T0, Policy);
        for (var i = 0; i < 3; i++)
            memory.Record("frequent", At(0), null, FailureSeverity.Low, T0, Policy);
        Assert.Equal(["frequent", "rare"], memory.CommonPatterns(5).Select(p => p.RepresentativeScenario));
    }

    [Fact]
    public void A_thousand_failures_stay_within_the_caps()
    {
        var memory = new FailureMemory();
        var embedder = new HashingEmbeddingGenerator();
        for (var i = 0; i < 1000; i++)
            memory.Record($"scenario {i} about topic {i % 97}", embedder.Embed($"scenario {i} about topic {i % 97}"),
                "err", FailureSeverity.Medium, T0.AddMinutes(i), Policy);
        Assert.True(memory.Patterns.Count <= 64);
        Assert.Equal(20, memory.RecentFailures.Count);
        Assert.Equal(1000, memory.TotalFailures);
    }
}
