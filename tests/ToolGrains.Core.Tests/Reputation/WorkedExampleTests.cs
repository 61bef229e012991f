using ToolGrains.Embeddings.MiniLM;
using ToolGrains.Core.Embeddings;
using ToolGrains.Core.Reputation;
using ToolGrains.Core.Tests.Embeddings;
using Xunit.Abstractions;

namespace ToolGrains.Core.Tests.Reputation;

/// <summary>
/// Issue 4's worked example and issue 5's code story, on the pure logic with the real MiniLM model.
/// The descriptions are the ones the example tools should ship with: python_code_analyzer claims
/// any language (which is why it is tried first, and fails), javascript_analyzer is specific.
/// </summary>
public sealed class WorkedExampleTests(ITestOutputHelper output)
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly QualityPolicy Policy = QualityPolicy.Default;

    private sealed class Tool(string id, string description, double quality, string[] tags)
    {
        public string Id { get; } = id;
        public double RegisteredQuality { get; } = quality;
        public double Quality { get; set; } = quality;
        public List<string> NegativeTags { get; } = [];
        public FailureMemory Memory { get; } = new();
        public ToolCandidate Candidate => new(Id, tags, MiniLm.Embed(description)) { Quality = Quality, NegativeTags = NegativeTags };
    }

    private static Tool[] Tools() =>
    [
        new("python_code_analyzer", "Analyzes code in any programming language", 0.90, ["code", "analyzer"]),
        new("javascript_analyzer", "Lints JavaScript files", 0.85, ["code", "javascript"]),
        new("universal_analyzer", "Analyzes source code in many languages", 0.75, ["code", "multi-language"]),
    ];

    private static void Fail(Tool tool, string scenario, FailureSeverity severity, DateTimeOffset at)
    {
        tool.Quality = Policy.QualityAfterFailure(tool.Quality, severity);
        foreach (var tag in NegativeTags.Default.Derive(scenario))
            if (!tool.NegativeTags.Contains(tag))
                tool.NegativeTags.Add(tag);
        tool.Memory.Record(scenario, MiniLm.Embed(scenario), "UnsupportedLanguageError", severity, at, Policy);
    }

    private IReadOnlyList<RankedTool> Rank(Tool[] tools, string scenario, DateTimeOffset now)
    {
        var embedding = MiniLm.Embed(scenario);
        var byId = tools.ToDictionary(t => t.Id);
        var ranked = ToolRanking.Rank(new RankingRequest(scenario, embedding, ["code"]), tools.Select(t => t.Candidate),
            c => byId[c.ToolId].Memory.Demotion(embedding, now, Policy, scenario));
        foreach (var r in ranked)
            output.WriteLine($"{scenario}: {r.ToolId} sim={r.Similarity:F4} demotion={r.FailureDemotion:F3} q={r.Quality:F2} score={r.Score:F4} hit={r.NegativeTagHit}");
        return ranked;
    }

    [Fact]
    public void A_high_failure_on_javascript_demotes_quality_tags_and_similar_scenarios_only()
    {
        var tools = Tools();
        var python = tools[0];
        Fail(python, "analyze javascript code", FailureSeverity.High, Now);

        Assert.Equal(0.80, python.Quality);
        Assert.Equal(["not-for-javascript"], python.NegativeTags);

        var lint = python.Memory.Assess(MiniLm.Embed("lint this javascript file"), Now, Policy, "lint this javascript file");
        var other = python.Memory.Assess(MiniLm.Embed("analyze python code"), Now, Policy, "analyze python code");
        output.WriteLine($"lint this javascript file: {lint}");
        output.WriteLine($"analyze python code: {other}");
        Assert.True(lint.Demotion > 0);
        Assert.Equal(0.3, lint.Demotion);
        Assert.Equal(1, lint.SimilarFailures);
        Assert.Equal(0, other.Demotion);
        Assert.Equal(0, other.SimilarFailures);
    }

    [Fact]
    public void Code_story_python_is_tried_first_then_ranks_last_after_failing_on_javascript()
    {
        var tools = Tools();
        const string scenario = "analyze javascript code";

        var before = Rank(tools, scenario, Now);
        Assert.Equal("python_code_analyzer", before[0].ToolId);

        Fail(tools[0], scenario, FailureSeverity.High, Now);

        var after = Rank(tools, scenario, Now.AddMinutes(1));
        Assert.Equal(["javascript_analyzer", "universal_analyzer", "python_code_analyzer"], after.Select(r => r.ToolId));
        var python = after[^1];
        Assert.True(python.NegativeTagHit);
        Assert.Equal(0.3, python.FailureDemotion, 3); // a minute of decay: 0.29998
        Assert.Equal(0.80, python.Quality);
        // Even without the negative-tag rule its score alone puts it last.
        Assert.True(python.Score < after[1].Score);
    }

    [Fact]
    public void The_failure_fades_with_the_half_life()
    {
        var tools = Tools();
        var python = tools[0];
        Fail(python, "analyze javascript code", FailureSeverity.High, Now);
        var embedding = MiniLm.Embed("analyze javascript code");
        Assert.Equal(0.3, python.Memory.Demotion(embedding, Now, Policy), 6);
        Assert.Equal(0.15, python.Memory.Demotion(embedding, Now.AddDays(7), Policy), 6);
        Assert.Equal(0.0375, python.Memory.Demotion(embedding, Now.AddDays(21), Policy), 6);
    }

    [Fact]
    public void Recovery_on_success_wins_the_quality_back_up_to_the_registered_one()
    {
        var python = Tools()[0];
        Fail(python, "analyze javascript code", FailureSeverity.High, Now);
        for (var i = 0; i < 15; i++)
            python.Quality = Policy.QualityAfterSuccess(python.Quality, python.RegisteredQuality);
        Assert.Equal(0.90, python.Quality);
    }
}
