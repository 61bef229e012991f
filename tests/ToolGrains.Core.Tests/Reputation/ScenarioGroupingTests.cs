using ToolGrains.Core.Reputation;

namespace ToolGrains.Core.Tests.Reputation;

/// <summary>Grouping failure patterns across tools, on hand-made unit vectors whose cosines are exact.</summary>
public sealed class ScenarioGroupingTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static float[] At(double degrees)
    {
        var r = degrees * Math.PI / 180;
        return [(float)Math.Cos(r), (float)Math.Sin(r), 0];
    }

    private static ScenarioSample Sample(string tool, string scenario, long count, float[] vector, int minutes = 0, params string[] domains) =>
        new(tool, scenario, count, T0, T0.AddMinutes(minutes), vector, domains);

    [Fact]
    public void Similar_patterns_of_different_tools_are_one_group_named_by_the_largest()
    {
        var groups = ScenarioGrouping.Group(
        [
            Sample("b", "analyze js source", 2, At(10)),     // cos 0.98 with "analyze js"
            Sample("a", "analyze js", 3, At(0)),
            Sample("c", "translate to French", 1, At(90)),   // cos 0 with both
        ], threshold: 0.6);

        Assert.Equal(2, groups.Count);
        Assert.Equal("analyze js", groups[0].Name);
        Assert.Equal(5, groups[0].Count);
        Assert.Equal(["a", "b"], groups[0].Members.Select(m => m.ToolId));
        Assert.Equal("translate to French", groups[1].Name);
    }

    [Fact]
    public void Below_the_threshold_or_across_domains_patterns_stay_apart()
    {
        // cos(60°) = 0.5 < 0.6: apart.
        Assert.Equal(2, ScenarioGrouping.Group([Sample("a", "x", 1, At(0)), Sample("b", "y", 1, At(60))], 0.6).Count);
        // The same vector but disjoint domains: the domain guard keeps them apart, as in one tool's failure memory.
        Assert.Equal(2, ScenarioGrouping.Group([Sample("a", "js", 1, At(0), 0, "javascript"), Sample("b", "py", 1, At(0), 0, "python")], 0.6).Count);
        // A pattern without domains joins either.
        Assert.Single(ScenarioGrouping.Group([Sample("a", "js", 1, At(0), 0, "javascript"), Sample("b", "code", 1, At(5))], 0.6));
    }

    [Fact]
    public void Groups_are_ordered_by_failures_then_latest_and_the_result_does_not_depend_on_input_order()
    {
        ScenarioSample[] samples =
        [
            Sample("a", "one", 2, At(0), minutes: 1),
            Sample("b", "two", 2, At(90), minutes: 5),
            Sample("c", "three", 7, [0, 0, 1]),
        ];
        var forward = ScenarioGrouping.Group(samples, 0.6).Select(g => g.Name).ToList();
        var backward = ScenarioGrouping.Group(samples.Reverse(), 0.6).Select(g => g.Name).ToList();
        Assert.Equal(["three", "two", "one"], forward);
        Assert.Equal(forward, backward);
        Assert.Empty(ScenarioGrouping.Group([], 0.6));
    }
}
