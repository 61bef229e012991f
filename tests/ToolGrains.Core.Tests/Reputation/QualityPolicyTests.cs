using ToolGrains.Core.Reputation;

namespace ToolGrains.Core.Tests.Reputation;

public sealed class QualityPolicyTests
{
    private static readonly QualityPolicy Policy = QualityPolicy.Default;

    [Theory]
    [InlineData(FailureSeverity.Low, 0.89)]
    [InlineData(FailureSeverity.Medium, 0.85)]
    [InlineData(FailureSeverity.High, 0.8)]
    [InlineData(FailureSeverity.None, 0.9)]
    public void A_failure_demotes_by_its_severity(FailureSeverity severity, double expected)
    {
        Assert.Equal(expected, Policy.QualityAfterFailure(0.9, severity));
    }

    [Fact]
    public void Qualities_are_rounded_so_they_read_as_decimals()
    {
        Assert.Equal(0.8, Policy.QualityAfterFailure(0.85, FailureSeverity.Medium)); // not 0.7999999999999999
        Assert.Equal(0.73, Policy.QualityAfterSuccess(0.72, 0.75));
    }

    [Fact]
    public void Quality_never_drops_below_the_floor()
    {
        Assert.Equal(0, Policy.QualityAfterFailure(0.04, FailureSeverity.High));
        var floored = Policy with { QualityFloor = 0.2 };
        Assert.Equal(0.2, floored.QualityAfterFailure(0.25, FailureSeverity.High));
        // A quality already under a floor set later is not raised by a failure.
        Assert.Equal(0.1, floored.QualityAfterFailure(0.1, FailureSeverity.High));
    }

    [Fact]
    public void Success_recovers_up_to_the_registered_quality_only()
    {
        Assert.Equal(0.81, Policy.QualityAfterSuccess(0.8, 0.9));
        Assert.Equal(0.9, Policy.QualityAfterSuccess(0.895, 0.9));
        Assert.Equal(0.9, Policy.QualityAfterSuccess(0.9, 0.9));
        Assert.Equal(0.95, Policy.QualityAfterSuccess(0.95, 0.9)); // never lowered by a success
    }

    [Theory]
    [InlineData(21, 0.29, true)]
    [InlineData(20, 0.29, false)]  // "more than 20"
    [InlineData(21, 0.3, false)]   // "below 0.3"
    [InlineData(500, 0.9, false)]
    public void Deprecation_needs_many_failures_and_low_quality(long failures, double quality, bool expected)
    {
        Assert.Equal(expected, Policy.ShouldDeprecate(failures, quality));
    }

    [Fact]
    public void Decay_halves_per_half_life()
    {
        var t0 = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        Assert.Equal(1, Policy.DecayWeight(t0, t0));
        Assert.Equal(0.5, Policy.DecayWeight(t0, t0.AddDays(7)), 9);
        Assert.Equal(0.25, Policy.DecayWeight(t0, t0.AddDays(14)), 9);
        Assert.Equal(1, Policy.DecayWeight(t0.AddDays(1), t0)); // clock skew: not amplified
        Assert.Equal(1, (Policy with { FailureHalfLife = TimeSpan.Zero }).DecayWeight(t0, t0.AddDays(100)));
    }

    [Fact]
    public void Defaults_are_the_documented_ones_and_valid()
    {
        Assert.Equal((0.01, 0.05, 0.10, 0.0, 0.01), (Policy.LowDemotion, Policy.MediumDemotion, Policy.HighDemotion, Policy.QualityFloor, Policy.RecoveryGain));
        Assert.Equal((20, 0.3), (Policy.DeprecationFailureCount, Policy.DeprecationQuality));
        Assert.Equal((0.3, 0.05, 0.10), (Policy.SimilarFailureDemotion, Policy.RepeatedFailureDemotion, Policy.MaxRepeatedFailureDemotion));
        Assert.Equal((TimeSpan.FromDays(7), 64, 20), (Policy.FailureHalfLife, Policy.MaxFailurePatterns, Policy.MaxRecentFailures));
    }
}

public sealed class FailureSeverityTests
{
    [Theory]
    [InlineData("low", FailureSeverity.Low)]
    [InlineData(" HIGH ", FailureSeverity.High)]
    [InlineData("Medium", FailureSeverity.Medium)]
    [InlineData(null, FailureSeverity.Medium)]
    [InlineData("", FailureSeverity.Medium)]
    public void Protocol_names_parse(string? text, FailureSeverity expected)
    {
        Assert.True(FailureSeverities.TryParse(text, out var severity));
        Assert.Equal(expected, severity);
    }

    [Theory]
    [InlineData("none")]
    [InlineData("critical")]
    [InlineData("3")]
    public void Unknown_severities_are_refused(string text) => Assert.False(FailureSeverities.TryParse(text, out _));

    [Theory]
    [InlineData(InvocationFailureKind.Timeout, FailureSeverity.Medium)]
    [InlineData(InvocationFailureKind.NonZeroExit, FailureSeverity.High)]
    [InlineData(InvocationFailureKind.Crash, FailureSeverity.High)]
    [InlineData(InvocationFailureKind.InvalidOutput, FailureSeverity.High)]
    [InlineData(InvocationFailureKind.BadRequest, FailureSeverity.None)]
    public void The_invoker_derives_severity_from_how_an_attempt_failed(InvocationFailureKind kind, FailureSeverity expected)
    {
        Assert.Equal(expected, InvocationSeverityRule.SeverityOf(kind));
        Assert.Equal(expected != FailureSeverity.None, InvocationSeverityRule.IsToolsFault(kind));
    }

    [Fact]
    public void Severity_names_round_trip()
    {
        foreach (var s in new[] { FailureSeverity.Low, FailureSeverity.Medium, FailureSeverity.High })
        {
            Assert.True(FailureSeverities.TryParse(s.ToProtocolName(), out var back));
            Assert.Equal(s, back);
        }
        Assert.Equal("none", FailureSeverity.None.ToProtocolName());
    }
}
