using ToolGrains.Core.Embeddings;
using ToolGrains.Core.Reputation;

namespace ToolGrains.Core.Tests.Reputation;

public sealed class ToolRankingTests
{
    private static float[] At(double degrees)
    {
        var r = degrees * Math.PI / 180;
        return [(float)Math.Cos(r), (float)Math.Sin(r)];
    }

    private static RankingRequest Request(string text = "scenario", params string[] tags) => new(text, At(0), tags);

    private static ToolCandidate Tool(string id, double degrees, double quality = 1, params string[] tags) =>
        new(id, tags, At(degrees)) { Quality = quality };

    [Fact]
    public void Score_is_similarity_minus_demotion_times_quality()
    {
        var ranked = ToolRanking.Rank(Request(), [Tool("a", 60, 0.8) with { FailureDemotion = 0.1 }]);
        var a = Assert.Single(ranked);
        Assert.Equal(0.5, a.Similarity, 5);
        Assert.Equal((0.5 - 0.1) * 0.8, a.Score, 5);
        Assert.Equal((0.1, 0.8, false), (a.FailureDemotion, a.Quality, a.NegativeTagHit));
    }

    [Fact]
    public void Candidates_need_every_required_tag_and_must_not_be_deprecated()
    {
        ToolCandidate[] tools =
        [
            Tool("both", 0, 1, "code", "Analyzer"),
            Tool("one", 0, 1, "code"),
            Tool("deprecated", 0, 1, "code", "analyzer") with { Deprecated = true },
        ];
        Assert.Equal(["both"], ToolRanking.Rank(Request("x", "code", "analyzer"), tools).Select(r => r.ToolId));
        Assert.Equal(["both", "one"], ToolRanking.Rank(Request("x", "code"), tools).Select(r => r.ToolId));
        Assert.Empty(ToolRanking.Rank(Request("x", "translation"), tools));
    }

    [Fact]
    public void Higher_score_ranks_first_and_ties_break_deterministically()
    {
        ToolCandidate[] tools =
        [
            Tool("c", 0, 0.5),   // score 0.5, similarity 1
            Tool("b", 60, 1),    // score 0.5, similarity 0.5
            Tool("a", 0, 0.5),   // ties with c on everything: id decides
            Tool("d", 10, 0.9),  // score 0.886
        ];
        var order = ToolRanking.Rank(Request(), tools).Select(r => r.ToolId).ToArray();
        Assert.Equal(["d", "a", "c", "b"], order);
        Assert.Equal(order, ToolRanking.Rank(Request(), tools.Reverse()).Select(r => r.ToolId));
    }

    [Fact]
    public void Tools_whose_negative_tags_the_scenario_hits_rank_after_all_others()
    {
        ToolCandidate[] tools =
        [
            Tool("best_but_tagged", 0, 1) with { NegativeTags = ["not-for-json"] },
            Tool("weak", 80, 0.3),
            Tool("tagged_elsewhere", 5, 1) with { NegativeTags = ["not-for-yaml"] },
        ];
        var ranked = ToolRanking.Rank(Request("parse JSON data"), tools);
        Assert.Equal(["tagged_elsewhere", "weak", "best_but_tagged"], ranked.Select(r => r.ToolId));
        Assert.Equal(["not-for-json"], ranked[^1].MatchedNegativeTags);
        Assert.True(ranked[^1].NegativeTagHit);
    }

    [Fact]
    public void A_demotion_provider_is_asked_for_eligible_candidates_only()
    {
        var asked = new List<string>();
        ToolRanking.Rank(Request("x", "code"), [Tool("a", 0, 1, "code"), Tool("b", 0, 1)],
            c => { asked.Add(c.ToolId); return 0.2; });
        Assert.Equal(["a"], asked);
    }

    [Fact]
    public void Shortlist_keeps_the_k_most_similar_eligible_tools_in_order()
    {
        var tools = Enumerable.Range(0, 1000).Select(i => Tool($"t{i:D4}", i % 90, 1, i % 2 == 0 ? "even" : "odd")).ToList();
        var shortlist = ToolRanking.Shortlist(Request("x", "even"), tools, 5);
        Assert.Equal(5, shortlist.Count);
        // Angle 0 is the most similar: i = 0, 90, 180, ... among the even ones, lowest ids first on ties.
        Assert.Equal(["t0000", "t0090", "t0180", "t0270", "t0360"], shortlist.Select(s => s.Candidate.ToolId));
        Assert.All(shortlist, s => Assert.Equal(1, s.Similarity, 5));
        Assert.Empty(ToolRanking.Shortlist(Request(), tools, 0));
        Assert.Equal(1000, ToolRanking.Shortlist(Request(), tools, 5000).Count);
    }

    [Fact]
    public void Shortlist_then_rank_with_reputation_gives_the_full_ranking_head()
    {
        var embedder = new HashingEmbeddingGenerator();
        var tools = Enumerable.Range(0, 200)
            .Select(i => new ToolCandidate($"tool{i:D3}", ["code"], embedder.Embed($"tool {i % 20} analyzes code {i % 7}")))
            .ToList();
        var request = new RankingRequest("analyzes code 3", embedder.Embed("analyzes code 3"), ["code"]);
        var full = ToolRanking.Rank(request, tools);
        var shortlisted = ToolRanking.Shortlist(request, tools, 20).Select(s => s.Candidate);
        Assert.Equal(full.Take(5).Select(r => r.ToolId), ToolRanking.Rank(request, shortlisted).Take(5).Select(r => r.ToolId));
    }

    [Fact]
    public void A_description_of_another_dimension_is_unrelated_not_an_error()
    {
        var ranked = ToolRanking.Rank(Request(), [new ToolCandidate("old", [], new float[] { 1, 0, 0 })]);
        Assert.Equal(0, Assert.Single(ranked).Similarity);
    }
}

public sealed class ToolRankingExclusionTests
{
    private static ToolCandidate Tool(string id, double quality, params string[] tags) => new(id, tags, new float[] { 1, 0 }) { Quality = quality };

    private static readonly RankingRequest Request = new("convert the image", new float[] { 1, 0 }, ["image"]);

    [Fact]
    public void Deprecated_and_open_tools_are_skipped_while_another_candidate_remains()
    {
        var ranked = ToolRanking.Rank(Request,
        [
            Tool("deprecated", 1, "image") with { Deprecated = true },
            Tool("open", 0.9, "image") with { Excluded = true, Breaker = "open" },
            Tool("working", 0.2, "image"),
        ]);
        var only = Assert.Single(ranked);
        Assert.Equal("working", only.ToolId);
        Assert.False(only.Forced);
    }

    [Fact]
    public void When_every_candidate_is_excluded_all_are_ranked_best_estimate_first_and_marked_forced()
    {
        var ranked = ToolRanking.Rank(Request,
        [
            Tool("deprecated", 0.1, "image") with { Deprecated = true },
            Tool("open", 0.6, "image") with { Excluded = true, Breaker = "open" },
            Tool("other_tag", 1, "audio"),
        ]);
        Assert.Equal(["open", "deprecated"], ranked.Select(r => r.ToolId));
        Assert.All(ranked, r => Assert.True(r.Forced));
        Assert.Equal("open", ranked[0].Breaker);
    }
}
