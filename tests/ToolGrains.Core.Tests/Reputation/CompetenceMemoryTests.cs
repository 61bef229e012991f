using Microsoft.Extensions.Time.Testing;
using ToolGrains.Core.Reputation;

namespace ToolGrains.Core.Tests.Reputation;

public sealed class CompetenceMemoryTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 5, 1, 8, 0, 0, TimeSpan.Zero));
    private static readonly CompetencePolicy Policy = CompetencePolicy.Default;

    private DateTimeOffset Now => _clock.GetUtcNow();

    private static float[] At(double degrees)
    {
        var r = degrees * Math.PI / 180;
        return [(float)Math.Cos(r), (float)Math.Sin(r)];
    }

    private static readonly string[] Png = ["format=png", "image"];
    private static readonly string[] Webp = ["format=webp", "image"];

    [Fact]
    public void Without_evidence_the_estimate_is_the_declared_quality()
    {
        var memory = new CompetenceMemory();
        var estimate = memory.Estimate(At(0), Png, 0.85, Now, Policy);
        Assert.Equal((0.85, 0.85, 0.0, 0.0), (estimate.Kind, estimate.Tool, estimate.KindSuccesses, estimate.KindFailures));
        Assert.Equal(1, estimate.DemotionShare);
        Assert.False(estimate.Proven);
    }

    [Fact]
    public void A_kind_the_tool_cannot_do_is_demoted_for_that_kind_not_everywhere()
    {
        var memory = new CompetenceMemory();
        for (var i = 0; i < 20; i++)
        {
            memory.Record("convert the image to jpeg", At(0), Png, success: true, Now, Policy);
            _clock.Advance(TimeSpan.FromSeconds(1));
        }
        for (var i = 0; i < 100; i++)
        {
            memory.Record("convert the image to jpeg", At(2), Webp, success: false, Now, Policy);
            _clock.Advance(TimeSpan.FromSeconds(1));
        }
        Assert.Equal(2, memory.Kinds.Count);
        var png = memory.Estimate(At(1), Png, 0.9, Now, Policy);
        var webp = memory.Estimate(At(1), Webp, 0.9, Now, Policy);
        Assert.True(png.Kind > 0.8, $"png {png}");
        Assert.True(png.Proven);
        Assert.True(png.DemotionShare < 0.05, $"png {png}");
        Assert.True(webp.Kind < 0.05, $"webp {webp}");
        Assert.False(webp.Proven);
        // A kind never seen (gif) falls back on the tool-wide record: lowered, but not to the floor.
        var gif = memory.Estimate(At(1), ["format=gif", "image"], 0.9, Now, Policy);
        Assert.Equal(gif.Tool, gif.Kind);
        Assert.InRange(gif.Kind, 0.15, 0.4);
    }

    [Fact]
    public void A_tool_that_fails_one_call_in_ten_stays_near_ninety_percent()
    {
        var memory = new CompetenceMemory();
        for (var i = 0; i < 1000; i++)
        {
            memory.Record("summarize the report", At(i % 7), [], success: i % 10 != 0, Now, Policy);
            _clock.Advance(TimeSpan.FromSeconds(1));
        }
        var estimate = memory.Estimate(At(3), [], 0.95, Now, Policy);
        Assert.InRange(estimate.Kind, 0.88, 0.92);
        Assert.InRange(estimate.Tool, 0.88, 0.92);
        Assert.Single(memory.Kinds);
        Assert.Equal((900L, 100L), (memory.TotalSuccesses, memory.TotalFailures));
    }

    [Fact]
    public void Evidence_fades_with_the_half_life()
    {
        var memory = new CompetenceMemory();
        for (var i = 0; i < 8; i++) memory.Record("parse the feed", At(0), [], success: false, Now, Policy);
        var fresh = memory.Estimate(At(0), [], 0.9, Now, Policy);
        Assert.Equal(8, fresh.KindFailures, 6);
        _clock.Advance(Policy.HalfLife);
        var aged = memory.Estimate(At(0), [], 0.9, Now, Policy);
        Assert.Equal(4, aged.KindFailures, 6);
        Assert.True(aged.Kind > fresh.Kind);
        _clock.Advance(Policy.HalfLife * 20);
        Assert.Equal(0.9, memory.Estimate(At(0), [], 0.9, Now, Policy).Kind, 3);
    }

    [Fact]
    public void Dissimilar_scenarios_are_separate_kinds_and_the_stalest_kind_is_evicted()
    {
        var policy = new CompetencePolicy { MaxKinds = 3 };
        var memory = new CompetenceMemory();
        for (var d = 0; d < 4; d++)
        {
            memory.Record("kind " + d, At(d * 90 / 2.0 * 2), [], success: false, Now, policy); // 0, 90, 180, 270 degrees
            _clock.Advance(TimeSpan.FromSeconds(1));
        }
        Assert.Equal(["kind 1", "kind 2", "kind 3"], memory.Kinds.Select(k => k.Scenario));
        var estimate = memory.Estimate(At(0), [], 1, Now, policy); // the evicted kind: orthogonal or opposite to those kept
        Assert.Equal(0, estimate.KindSuccesses + estimate.KindFailures);
    }
}
