using ToolGrains.Core.Reputation;

namespace ToolGrains.Core.Tests.Reputation;

public sealed class HybridShortlistTests
{
    private static float[] At(double degrees)
    {
        var r = degrees * Math.PI / 180;
        return [(float)Math.Cos(r), (float)Math.Sin(r)];
    }

    [Fact]
    public void Bm25_ranks_rare_exact_terms_first_and_ignores_stop_words()
    {
        var index = new Bm25Index(
        [
            Bm25Index.DocumentOf("geo_fast", "Geocodes street addresses to coordinates", ["geocode"]),
            Bm25Index.DocumentOf("text_tool", "Processes text documents and text files", ["text"]),
            Bm25Index.DocumentOf("pdf_to_text", "Extracts the text of a PDF file", ["pdf", "text"]),
        ]);
        var scores = index.Scores("geocode this street address");
        Assert.True(scores[0] > 0);
        Assert.Equal(0, scores[1]);
        var pdf = index.Scores("pdf to text");
        Assert.True(pdf[2] > pdf[1] && pdf[1] > 0, string.Join(",", pdf));
        Assert.All(index.Scores("the of and to"), s => Assert.Equal(0, s));
        Assert.Equal(["pdf", "text", "geo", "fast"], Bm25Index.Tokens("PDF to text: geo_fast"));
    }

    [Fact]
    public void A_tool_named_by_the_request_but_rated_low_by_the_embedding_makes_the_shortlist()
    {
        ToolCandidate Tool(string id, double degrees) => new(id, ["t"], At(degrees));
        // Ten tools the embedding prefers; the one whose tags name the request's rare word is the least similar.
        var candidates = Enumerable.Range(0, 10).Select(i => Tool($"near_{i}", i)).Append(Tool("webp_converter", 80)).ToList();
        var request = new RankingRequest("convert webp", At(0), ["t"]);
        var lexical = candidates.Select(c => c.ToolId == "webp_converter" ? 3.0 : 0).ToList();

        var dense = ToolRanking.Shortlist(request, candidates, 5).Select(s => s.Candidate.ToolId).ToList();
        Assert.DoesNotContain("webp_converter", dense);
        var hybrid = ToolRanking.HybridShortlist(request, candidates, 5, lexical).Select(s => s.Candidate.ToolId).ToList();
        Assert.Contains("webp_converter", hybrid);
        Assert.Equal(5, hybrid.Count);
        Assert.Equal(["near_0", "webp_converter", "near_1", "near_2", "near_3"], hybrid); // ties of fused rank: the more similar first
        // Fewer eligible candidates than k: all of them, most similar first; no lexical scores: the dense shortlist.
        Assert.Equal(11, ToolRanking.HybridShortlist(request, candidates, 20, lexical).Count);
        Assert.Equal(dense, ToolRanking.HybridShortlist(request, candidates, 5, null).Select(s => s.Candidate.ToolId));
    }
}
