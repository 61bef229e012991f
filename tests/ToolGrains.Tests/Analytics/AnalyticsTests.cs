using System.Text.Json;
using ToolGrains.Tests.Reputation;

namespace ToolGrains.Tests.Analytics;

[CollectionDefinition(Name)]
public sealed class AnalyticsCollection : ICollectionFixture<ReputationClusterFixture>
{
    /// <summary>A cluster of its own (same fixture type, another instance): analytics counts every tool it holds.</summary>
    public const string Name = "analytics";
}

/// <summary>Analytics of a seeded history on a real in-process cluster with the real MiniLM embedder.</summary>
[Collection(AnalyticsCollection.Name)]
public sealed class AnalyticsTests(ReputationClusterFixture fixture)
{
    [Fact]
    public async Task Analytics_JSON_shows_what_the_seeded_history_implies()
    {
        var t0 = fixture.Clock.GetUtcNow();
        await fixture.RegisterAsync("js_analyzer", "Analyzes JavaScript source code", 0.9, ["code", "javascript"]);
        await fixture.RegisterAsync("code_linter", "Lints source code in many languages", 0.8, ["code", "lint"]);
        await fixture.RegisterAsync("translator", "Translates documents between natural languages", 0.7, ["text"]);
        await fixture.RegisterAsync("weather_fetcher", "Fetches weather forecasts for a city", 0.7, ["weather"]);

        // js_analyzer: 3 medium failures on one scenario, an hour apart.
        for (var i = 0; i < 3; i++)
        {
            fixture.Clock.Advance(TimeSpan.FromHours(1));
            await fixture.CallOkAsync("mark_tool_failure", new { tool_id = "js_analyzer", scenario = "analyze javascript code", error_message = "UnsupportedLanguageError", severity = "medium" });
        }
        // code_linter: 2 high failures on a paraphrase: one scenario across two tools.
        for (var i = 0; i < 2; i++)
        {
            fixture.Clock.Advance(TimeSpan.FromHours(1));
            await fixture.CallOkAsync("mark_tool_failure", new { tool_id = "code_linter", scenario = "analyze javascript source code", error_message = "ParseError", severity = "high" });
        }
        fixture.Clock.Advance(TimeSpan.FromHours(1));
        await fixture.CallOkAsync("mark_tool_failure", new { tool_id = "translator", scenario = "translate this contract into French", error_message = "QuotaExceeded", severity = "low" });
        // weather_fetcher: past the default deprecation thresholds (more than 20 failures, quality below 0.3).
        for (var i = 0; i < 21; i++)
        {
            fixture.Clock.Advance(TimeSpan.FromMinutes(1));
            await fixture.CallOkAsync("mark_tool_failure", new { tool_id = "weather_fetcher", scenario = "fetch the weather forecast for Paris", error_message = "HTTP 503", severity = "high" });
        }
        await fixture.Tool("js_analyzer").AddUsageAsync(7);
        await fixture.Tool("translator").AddUsageAsync(2);

        var json = await fixture.Client.GetGrain<IAnalyticsGrain>(0).GetReportJsonAsync();
        var report = JsonDocument.Parse(json).RootElement;
        var catalog = await fixture.Client.GetGrain<IToolCatalogGrain>("default").ListAsync();

        Assert.Equal(catalog.Length, report.GetProperty("tool_count").GetInt32());
        Assert.Equal(3 + 2 + 1 + 21, report.GetProperty("total_failures").GetInt64());

        // Most failed tools: the failing ones only, most failures first.
        var mostFailed = report.GetProperty("most_failed_tools").EnumerateArray()
            .Select(t => (Id: t.GetProperty("tool_id").GetString(), Count: t.GetProperty("failure_count").GetInt64())).ToList();
        Assert.Equal([("weather_fetcher", 21L), ("js_analyzer", 3L), ("code_linter", 2L), ("translator", 1L)], mostFailed);

        // Common failure scenarios: the two javascript scenarios are one group across two tools, named by the larger.
        var groups = report.GetProperty("common_failure_scenarios").EnumerateArray().ToList();
        Assert.Equal(3, groups.Count);
        Assert.Equal("fetch the weather forecast for Paris", groups[0].GetProperty("name").GetString());
        Assert.Equal(21, groups[0].GetProperty("count").GetInt64());
        var javascript = groups[1];
        Assert.Equal("analyze javascript code", javascript.GetProperty("name").GetString());
        Assert.Equal(5, javascript.GetProperty("count").GetInt64());
        Assert.Equal([("js_analyzer", 3L), ("code_linter", 2L)], javascript.GetProperty("tools").EnumerateArray()
            .Select(t => (t.GetProperty("tool_id").GetString(), t.GetProperty("count").GetInt64())).ToList());
        Assert.Equal(["analyze javascript code", "analyze javascript source code"], javascript.GetProperty("scenarios").EnumerateArray().Select(s => s.GetString()).ToList());
        Assert.Equal("ParseError", javascript.GetProperty("latest_error").GetString());
        Assert.Equal(t0 + TimeSpan.FromHours(1), javascript.GetProperty("first_seen").GetDateTimeOffset());
        Assert.Equal(t0 + TimeSpan.FromHours(5), javascript.GetProperty("last_seen").GetDateTimeOffset());
        Assert.Equal("translate this contract into French", groups[2].GetProperty("name").GetString());
        Assert.Equal(1, groups[2].GetProperty("count").GetInt64());

        // Quality over time: registered, then one point per failure, oldest first.
        var trend = report.GetProperty("quality_trends").EnumerateArray().Single(t => t.GetProperty("tool_id").GetString() == "js_analyzer");
        var points = trend.GetProperty("points").EnumerateArray()
            .Select(p => (Math.Round(p.GetProperty("quality").GetDouble(), 6), p.GetProperty("reason").GetString(), p.GetProperty("at").GetDateTimeOffset())).ToList();
        Assert.Equal([(0.9, "registered", t0), (0.85, "failure:medium", t0 + TimeSpan.FromHours(1)),
            (0.8, "failure:medium", t0 + TimeSpan.FromHours(2)), (0.75, "failure:medium", t0 + TimeSpan.FromHours(3))], points);
        Assert.Equal(0.75, Math.Round(trend.GetProperty("quality").GetDouble(), 6));
        var weatherTrend = report.GetProperty("quality_trends").EnumerateArray().Single(t => t.GetProperty("tool_id").GetString() == "weather_fetcher");
        Assert.Equal("deprecated", weatherTrend.GetProperty("points").EnumerateArray().Last().GetProperty("reason").GetString());

        // Negative-tag history: when each tag appeared and why, oldest first.
        var tags = report.GetProperty("negative_tag_history").EnumerateArray()
            .Where(e => e.GetProperty("tag").GetString() == "not-for-javascript").ToList();
        Assert.Equal(["js_analyzer", "code_linter"], tags.Select(e => e.GetProperty("tool_id").GetString()).ToList());
        Assert.Equal(t0 + TimeSpan.FromHours(1), tags[0].GetProperty("added_at").GetDateTimeOffset());
        Assert.Equal("analyze javascript code", tags[0].GetProperty("scenario").GetString());
        Assert.Equal("UnsupportedLanguageError", tags[0].GetProperty("error_message").GetString());
        Assert.Equal(t0 + TimeSpan.FromHours(4), tags[1].GetProperty("added_at").GetDateTimeOffset());

        var deprecated = Assert.Single(report.GetProperty("deprecated_tools").EnumerateArray());
        Assert.Equal("weather_fetcher", deprecated.GetProperty("tool_id").GetString());
        Assert.Equal(21, deprecated.GetProperty("failure_count").GetInt64());
        Assert.Equal(t0 + TimeSpan.FromHours(6) + TimeSpan.FromMinutes(21), deprecated.GetProperty("deprecated_at").GetDateTimeOffset());

        var usage = report.GetProperty("usage").EnumerateArray().ToList();
        Assert.Equal(("js_analyzer", 7L), (usage[0].GetProperty("tool_id").GetString(), usage[0].GetProperty("usage_count").GetInt64()));
        Assert.Equal(("translator", 2L), (usage[1].GetProperty("tool_id").GetString(), usage[1].GetProperty("usage_count").GetInt64()));
        Assert.Equal(catalog.Length, usage.Count);
    }
}
