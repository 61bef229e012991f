using System.Diagnostics;
using System.Text.Json;
using ToolGrains.Tests.Infrastructure;

namespace ToolGrains.Tests.Invocation;

/// <summary>
/// Tool health on a real cluster (issue 15): competence per kind of request, breakers that reopen, error-aware
/// retries, and a candidate set that learning never empties. Real HTTP servers on 127.0.0.1 play the faulty tools;
/// the reputation clock is fake and moves one second per call.
/// </summary>
[Collection(HealthCollection.Name)]
public sealed class ToolHealthTests(HealthClusterFixture fixture)
{
    private const string ImageScenario = "convert this image to jpeg";

    [Fact]
    public async Task The_only_tool_of_a_tag_with_one_bad_input_kind_stays_available_for_the_others_after_100_failures_on_that_kind()
    {
        var tag = Tag();
        var id = "images_" + tag;
        await fixture.RegisterOracleAsync(id, "converts images between formats", tag, 0.9, "webp");
        for (var i = 0; i < 10; i++)
            Assert.True((await CallAsync(ImageScenario, new { format = i % 2 == 0 ? "png" : "gif" }, tag)).Success);

        for (var i = 0; i < 100; i++)
        {
            fixture.Clock.Advance(TimeSpan.FromSeconds(1));
            var failed = await CallAsync(ImageScenario, new { format = "webp" }, tag); // never no_candidates
            var attempt = Assert.Single(failed.Attempts);
            Assert.Equal((AttemptOutcomes.Failure, "permanent", "high"), (attempt.Outcome, attempt.ErrorKind, attempt.Severity));
        }

        foreach (var format in new[] { "png", "gif" })
        {
            var served = await CallAsync(ImageScenario, new { format }, tag);
            Assert.True(served.Success, Describe(served));
            Assert.Equal(AttemptOutcomes.Success, Assert.Single(served.Attempts).Outcome);
            Assert.Contains(format, served.ResultJson);
        }
        // Its estimate is per kind: proven for png, near zero for webp.
        var invoker = fixture.Client.GetGrain<IResilientInvokerGrain>(0);
        var png = Assert.Single(await invoker.RankAsync(new(ImageScenario, """{"format":"png"}""", [tag])));
        var webp = Assert.Single(await invoker.RankAsync(new(ImageScenario, """{"format":"webp"}""", [tag])));
        Assert.True(png.Quality > 0.7, $"png estimate {png.Quality}");
        Assert.True(webp.Quality < 0.1, $"webp estimate {webp.Quality}");
        Assert.False(png.NegativeTagHit); // not-for-image was earned on webp; png has proven itself
        var status = await fixture.Tool(id).GetStatusAsync();
        Assert.Equal(100, status.FailureCount);
        Assert.Contains(status.CompetenceKinds, k => k.Terms.Contains("format=webp") && k.Failures > 90);
    }

    [Fact]
    public async Task A_tool_down_for_40_calls_loses_first_place_within_3_calls_and_wins_it_back_within_5_after_it_recovers()
    {
        var tag = Tag();
        await using var server = new LocalHttpServer().Route("primary", 200, """{"amount":92.1}""").Route("backup", 200, """{"amount":92.0}""");
        await fixture.RegisterHttpAsync("primary_" + tag, "converts an amount of money from one currency to another", tag, server.Url("primary"), 0.95);
        await fixture.RegisterHttpAsync("backup_" + tag, "backup currency service", tag, server.Url("backup"), 0.8);
        const string scenario = "convert 100 dollars to euros";
        var input = new { amount = 100, from = "usd", to = "eur" };
        var warm = await CallAsync(scenario, input, tag);
        Assert.Equal("primary_" + tag, warm.ToolId);

        server.Route("primary", 503, """{"error":"maintenance"}""");
        var outage = new List<ResilientCallResult>();
        for (var i = 0; i < 40; i++)
        {
            fixture.Clock.Advance(TimeSpan.FromSeconds(1));
            outage.Add(await CallAsync(scenario, input, tag));
        }
        Assert.All(outage, r => Assert.True(r.Success, Describe(r)));
        Assert.All(outage, r => Assert.Equal("backup_" + tag, r.ToolId));
        Assert.Equal("backup_" + tag, outage[2].Attempts[0].ToolId);
        // From the third call on, the primary is tried first only as a half-open probe, ever more rarely.
        var probes = outage.Skip(2).Where(r => r.Attempts[0].ToolId == "primary_" + tag).ToList();
        Assert.All(probes, r => Assert.Equal("half_open", r.Attempts[0].Breaker));
        Assert.InRange(probes.Count, 1, 12);
        Assert.All(outage.SelectMany(r => r.Attempts).Where(a => a.ToolId == "primary_" + tag),
            a => Assert.Equal(("transient", "none"), (a.ErrorKind, a.Severity)));
        var down = await fixture.Tool("primary_" + tag).GetStatusAsync();
        Assert.Equal("open", down.Breaker!.State);
        Assert.Empty(down.NegativeTags);
        Assert.Empty(down.CommonFailures);
        Assert.Equal(0.95, down.Quality, 6);

        server.Route("primary", 200, """{"amount":92.1}""");
        var after = new List<ResilientCallResult>();
        for (var i = 0; i < 10; i++)
        {
            fixture.Clock.Advance(TimeSpan.FromSeconds(1));
            after.Add(await CallAsync(scenario, input, tag));
        }
        var back = after.FindIndex(r => r.Attempts[0].ToolId == "primary_" + tag && r.Attempts[0].Outcome == AttemptOutcomes.Success);
        Assert.InRange(back, 0, 4);
        Assert.All(after.Skip(back), r => Assert.Equal(("primary_" + tag, 1), (r.ToolId, r.Attempts.Length)));
        Assert.True(await Repo.WaitUntilAsync(async () => (await fixture.Tool("primary_" + tag).GetStatusAsync()).Breaker!.State == "closed", TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_429_with_retry_after_1_is_retried_on_the_same_tool_after_a_second_when_no_other_candidate_exists()
    {
        var tag = Tag();
        await using var server = new LocalHttpServer()
            .Route("limited", 429, """{"error":"rate limited"}""")
            .Headers("limited", new() { ["Retry-After"] = "1" });
        await fixture.RegisterHttpAsync("limited_" + tag, "geocode a street address", tag, server.Url("limited"));

        var call = CallAsync("geocode this address", new { address = "1 Main Street" }, tag);
        // The tool recovers once it has refused the first request; the invoker waits out the Retry-After first.
        Assert.True(await Repo.WaitUntilAsync(() => Task.FromResult(server.ReceivedAt.Count >= 1), TimeSpan.FromSeconds(30)));
        server.Route("limited", 200, """{"lat":1.5,"lon":2.5}""").Headers("limited", null);
        var result = await call;

        Assert.True(result.Success, Describe(result));
        Assert.Equal(["limited_" + tag, "limited_" + tag], result.Attempts.Select(a => a.ToolId));
        Assert.Equal((AttemptOutcomes.Failure, "transient", (double?)1), (result.Attempts[0].Outcome, result.Attempts[0].ErrorKind, result.Attempts[0].RetryAfterSeconds));
        Assert.Equal(AttemptOutcomes.Success, result.Attempts[1].Outcome);
        var gap = server.ReceivedAt[1].At - server.ReceivedAt[0].At;
        Assert.True(gap >= TimeSpan.FromSeconds(0.95), $"retried after {gap}");
        var status = await fixture.Tool("limited_" + tag).GetStatusAsync();
        Assert.Equal(0, status.FailureCount);
        Assert.Equal(1, status.TransientFailureCount);
    }

    [Fact]
    public async Task No_no_candidates_while_any_tool_carries_the_tags_deprecated_or_open_tools_are_tried_and_the_answer_says_so()
    {
        var tag = Tag();
        await fixture.RegisterOracleAsync("first_" + tag, "summarize a text", tag, 0.9);
        await fixture.RegisterOracleAsync("second_" + tag, "summarize a long text", tag, 0.8);
        foreach (var id in new[] { "first_" + tag, "second_" + tag })
            for (var i = 0; i < 25; i++)
                await fixture.Tool(id).MarkFailureAsync(new ToolFailureReport("summarize the minutes", "boom", "high"));
        Assert.True((await fixture.Tool("first_" + tag).GetStatusAsync()).Deprecated);
        Assert.True((await fixture.Tool("second_" + tag).GetStatusAsync()).Deprecated);

        var forced = await CallAsync("summarize the minutes", new { }, tag);
        Assert.True(forced.Success, Describe(forced));
        Assert.True(forced.Forced);
        Assert.True(forced.Attempts[0].Forced);
        Assert.Equal(2, forced.Candidates);
        var json = await fixture.CallAsync("resilient_tool_call", new { scenario = "summarize the minutes", input_data = new { }, tags = new[] { tag } });
        Assert.True(json.GetProperty("forced").GetBoolean());
        Assert.True(json.GetProperty("success").GetBoolean());

        // Back in service, the undeprecated tool is the only candidate again.
        await fixture.Tool("second_" + tag).UndeprecateAsync();
        var normal = await CallAsync("summarize the minutes", new { }, tag);
        Assert.False(normal.Forced);
        Assert.Equal(("second_" + tag, 1), (normal.ToolId, normal.Candidates));

        // A tool whose breaker is open is tried too when it is the only one; status, analytics and the attempt say why.
        var down = Tag();
        await using var server = new LocalHttpServer().Route("down", 503, "down");
        await fixture.RegisterHttpAsync("down_" + down, "send a text message", down, server.Url("down"));
        for (var i = 0; i < 3; i++)
            Assert.False((await CallAsync("send a text message", new { to = "alice" }, down)).Forced);
        var open = await CallAsync("send a text message", new { to = "alice" }, down);
        Assert.True(open.Forced);
        Assert.Equal(("open", true, "transient"), (open.Attempts[0].Breaker, open.Attempts[0].Forced, open.Attempts[0].ErrorKind));
        var status = await fixture.CallAsync("tool_status", new { tool_id = "down_" + down });
        var breaker = status.GetProperty("breaker");
        Assert.Equal("open", breaker.GetProperty("state").GetString());
        Assert.Contains("transient faults in a row", breaker.GetProperty("reason").GetString());
        Assert.Equal(4, status.GetProperty("transient_failure_count").GetInt64());
        Assert.Equal(0, status.GetProperty("failure_count").GetInt64());
        Assert.Equal(0, status.GetProperty("negative_tags").GetArrayLength());
        var report = await fixture.Client.GetGrain<IAnalyticsGrain>(0).GetReportAsync();
        var health = Assert.Single(report.Health, h => h.ToolId == "down_" + down);
        Assert.Equal(("open", 4L, 1.0), (health.Breaker, health.Calls, health.ErrorRate));
        Assert.NotNull(health.LatencyP95Ms);
    }

    [Fact]
    public async Task A_half_open_breaker_lets_one_call_probe_while_the_others_see_it_open()
    {
        var tag = Tag();
        await using var server = new LocalHttpServer().Route("flaky", 503, "down");
        await fixture.RegisterHttpAsync("flaky_" + tag, "look up a parcel's delivery status", tag, server.Url("flaky"));
        for (var i = 0; i < 3; i++) await CallAsync("track my parcel", new { id = "A1" }, tag);
        var reputation = fixture.Tool("flaky_" + tag);
        Assert.Equal("open", (await reputation.GetStatusAsync()).Breaker!.State);
        fixture.Clock.Advance(TimeSpan.FromSeconds(5)); // past the 4 s cool-down

        var first = await reputation.AssessRequestAsync([], "track my parcel", [], claimProbe: true);
        var second = await reputation.AssessRequestAsync([], "track my parcel", [], claimProbe: true);
        Assert.Equal(("half_open", false), (first.Breaker, first.Excluded));
        Assert.Equal(("open", true), (second.Breaker, second.Excluded));
        Assert.Equal("half_open", (await reputation.AssessRequestAsync([], "track my parcel", [])).Breaker); // a ranking only does not claim
        await reputation.ReleaseProbeAsync();
        Assert.False((await reputation.AssessRequestAsync([], "track my parcel", [], claimProbe: true)).Excluded);

        // The probe works: the breaker closes before the answer, so the next call ranks the tool normally.
        server.Route("flaky", 200, """{"status":"delivered"}""");
        await reputation.ReleaseProbeAsync();
        var probe = await CallAsync("track my parcel", new { id = "A1" }, tag);
        Assert.Equal(("half_open", AttemptOutcomes.Success), (probe.Attempts[0].Breaker, probe.Attempts[0].Outcome));
        Assert.Equal("closed", (await reputation.GetStatusAsync()).Breaker!.State);
    }

    [Fact]
    public async Task Every_attempt_is_an_execute_tool_span_and_a_duration_measurement_in_the_gen_ai_conventions()
    {
        var tag = Tag();
        await using var server = new LocalHttpServer().Route("busy", 503, "busy").Route("fine", 200, """{"ok":true}""");
        await fixture.RegisterHttpAsync("busy_" + tag, "send an invoice by email", tag, server.Url("busy"), 0.95);
        await fixture.RegisterHttpAsync("fine_" + tag, "email sender", tag, server.Url("fine"), 0.5);
        var spans = new System.Collections.Concurrent.ConcurrentBag<Activity>();
        var durations = new System.Collections.Concurrent.ConcurrentBag<(double Seconds, string? Tool, string? Error)>();
        using var activities = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ToolGrains.Grains.Running.ToolTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { if (a.GetTagItem("gen_ai.tool.name") is string t && t.EndsWith(tag, StringComparison.Ordinal)) spans.Add(a); },
        };
        ActivitySource.AddActivityListener(activities);
        using var meters = new System.Diagnostics.Metrics.MeterListener();
        meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Name == ToolGrains.Grains.Running.ToolTelemetry.DurationName) listener.EnableMeasurementEvents(instrument);
        };
        meters.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            string? tool = null, error = null;
            foreach (var t in tags)
            {
                if (t.Key == "gen_ai.tool.name") tool = t.Value as string;
                if (t.Key == "error.type") error = t.Value as string;
            }
            if (tool?.EndsWith(tag, StringComparison.Ordinal) == true) durations.Add((value, tool, error));
        });
        meters.Start();

        var result = await CallAsync("send the invoice by email", new { to = "bob" }, tag);
        Assert.Equal(["busy_" + tag, "fine_" + tag], result.Attempts.Select(a => a.ToolId));
        Assert.Equal(2, spans.Count);
        var busy = Assert.Single(spans, a => a.DisplayName == "execute_tool busy_" + tag);
        Assert.Equal(("execute_tool", "extension", "transient"), (busy.GetTagItem("gen_ai.operation.name"), busy.GetTagItem("gen_ai.tool.type"), busy.GetTagItem("error.type")));
        Assert.Equal(ActivityStatusCode.Error, busy.Status);
        var fine = Assert.Single(spans, a => a.DisplayName == "execute_tool fine_" + tag);
        Assert.Null(fine.GetTagItem("error.type"));
        Assert.NotNull(fine.GetTagItem("gen_ai.tool.call.id"));
        Assert.Contains(durations, d => d.Tool == "busy_" + tag && d.Error == "transient" && d.Seconds > 0);
        Assert.Contains(durations, d => d.Tool == "fine_" + tag && d.Error is null);
    }

    private Task<ResilientCallResult> CallAsync(string scenario, object input, string tag) =>
        fixture.Client.CallToolResilientAsync(scenario, JsonSerializer.Serialize(input), [tag]);

    private static string Tag() => "h" + Guid.NewGuid().ToString("N")[..10];

    private static string Describe(ResilientCallResult result) =>
        string.Join("; ", result.Attempts.Select(a => $"{a.ToolId} {a.Outcome} {a.ErrorKind} breaker={a.Breaker} score={a.Score:0.000} sim={a.Similarity:0.000} q={a.Quality:0.00} {a.Error}"));
}
