using System.Diagnostics;
using System.Text.Json;
using ToolGrains.Tests.Infrastructure;

namespace ToolGrains.Tests.Invocation;

/// <summary>
/// The resilient invoker on a real cluster with the real MiniLM embedder and the real example tools of tools/
/// (scripts run as processes). The two stories use the shipped tools; every other test registers its own
/// tools under a tag of its own, so the stories' reputations stay cold until their test.
/// </summary>
[Collection(InvokerCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ResilientInvokerTests(InvokerClusterFixture fixture)
{
    private const string JavaScript = """{"code":"function add(a, b) {\n  var sum = a + b;\n  return sum == 3;\n}","language":"javascript"}""";

    [Fact]
    public async Task Translation_story_nmt_fails_google_times_out_offline_translates_and_both_failures_are_recorded()
    {
        var started = Stopwatch.StartNew();
        var result = await fixture.Client.CallToolResilientAsync(
            "translate english to french", """{"text":"Hello world","source":"en","target":"fr"}""", ["translation"]);

        Assert.True(result.Success, Describe(result));
        Assert.Equal("offline_translator", result.ToolId);
        Assert.Equal(["nmt_translator", "google_translate", "offline_translator"], result.Attempts.Select(a => a.ToolId));
        Assert.Equal([AttemptOutcomes.Failure, AttemptOutcomes.Timeout, AttemptOutcomes.Success], result.Attempts.Select(a => a.Outcome));
        // The timeout is transient: it feeds google's breaker, not its quality (issue 15).
        Assert.Equal(["high", "none", null], result.Attempts.Select(a => a.Severity));
        Assert.Equal(["permanent", "transient", null], result.Attempts.Select(a => a.ErrorKind));
        Assert.Contains("API key missing", result.Attempts[0].Error);
        Assert.Equal("Bonjour monde", JsonDocument.Parse(result.ResultJson!).RootElement.GetProperty("translation").GetString());
        Assert.True(result.Attempts.Zip(result.Attempts.Skip(1)).All(p => p.First.Score >= p.Second.Score), "tried in descending score");
        Assert.InRange(result.Attempts[1].DurationMs, 1900, 10_000); // google_translate killed at its 2 s timeout, not after its 30 s sleep
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(45), $"took {started.Elapsed}");

        var nmt = await fixture.Tool("nmt_translator").GetStatusAsync();
        Assert.Equal(0.80, nmt.Quality, 6);
        Assert.Equal("high", Assert.Single(nmt.RecentFailures).Severity);
        Assert.Equal("translate english to french", nmt.RecentFailures[0].Scenario);
        var google = await fixture.Tool("google_translate").GetStatusAsync();
        Assert.Equal(0.85, google.Quality, 6);
        Assert.Equal((0, 1), (google.FailureCount, google.TransientFailureCount));
        Assert.Equal("none", Assert.Single(google.RecentFailures).Severity);
        Assert.Empty(google.NegativeTags);
        // The success is recorded just after the answer, off its path.
        Assert.True(await Repo.WaitUntilAsync(async () => (await fixture.Tool("offline_translator").GetStatusAsync()).SuccessCount == 1, TimeSpan.FromSeconds(10)));
        Assert.Empty((await fixture.Tool("offline_translator").GetStatusAsync()).RecentFailures);

        // Learned: the same scenario now goes to the translator that works, first.
        var again = await fixture.Client.CallToolResilientAsync(
            "translate english to french", """{"text":"good morning","target":"fr"}""", ["translation"]);
        Assert.True(again.Success, Describe(again));
        Assert.Equal("offline_translator", Assert.Single(again.Attempts).ToolId);
    }

    [Fact]
    public async Task Code_story_python_fails_on_javascript_then_javascript_analyzer_is_tried_first()
    {
        var before = await fixture.Client.GetGrain<IResilientInvokerGrain>(0).RankAsync(new("analyze javascript code", "{}", ["code"]));
        Assert.Equal(["python_code_analyzer", "javascript_analyzer", "universal_analyzer"], before.Select(c => c.ToolId));

        var first = await fixture.Client.CallToolResilientAsync("analyze javascript code", JavaScript, ["code"]);
        Assert.True(first.Success, Describe(first));
        Assert.Equal(["python_code_analyzer", "javascript_analyzer"], first.Attempts.Select(a => a.ToolId));
        Assert.Equal(AttemptOutcomes.Failure, first.Attempts[0].Outcome);
        Assert.Contains("UnsupportedLanguageError", first.Attempts[0].Error);
        Assert.Equal("high", first.Attempts[0].Severity);
        Assert.Equal(0.90, first.Attempts[0].Quality, 6);
        Assert.Equal("javascript_analyzer", first.ToolId);
        Assert.Contains("eqeqeq", first.ResultJson);

        var python = await fixture.Tool("python_code_analyzer").GetStatusAsync();
        Assert.Equal(0.80, python.Quality, 6);
        Assert.Contains("not-for-javascript", python.NegativeTags.Select(t => t.Tag));

        var second = await fixture.Client.CallToolResilientAsync("analyze javascript code", JavaScript, ["code"]);
        Assert.True(second.Success, Describe(second));
        var only = Assert.Single(second.Attempts);
        Assert.Equal("javascript_analyzer", only.ToolId);
        Assert.Equal(AttemptOutcomes.Success, only.Outcome);

        var after = await fixture.Client.GetGrain<IResilientInvokerGrain>(0).RankAsync(new("analyze javascript code", "{}", ["code"]));
        Assert.Equal(["javascript_analyzer", "universal_analyzer", "python_code_analyzer"], after.Select(c => c.ToolId));
        var demoted = after[^1];
        Assert.True(demoted.NegativeTagHit);
        Assert.Equal("not-for-javascript", Assert.Single(demoted.MatchedNegativeTags));
        // The ranking's quality is the estimate for this kind of request: one JavaScript failure brings the declared
        // 0.9 to 2·(9/11)/3 ≈ 0.55 for JavaScript, and the tool-wide estimate only to 9/11 ≈ 0.82.
        Assert.InRange(demoted.Quality, 0.5, 0.6);
        Assert.InRange(demoted.FailureDemotion, 0.29, 0.41); // a similar past failure: 0.3 (decaying with time), more for repeats

        // Python code still goes to the Python analyzer: the lesson was about JavaScript.
        var py = await fixture.Client.CallToolResilientAsync("analyze python code", """{"code":"import os\ndef main():\n    pass\n"}""", ["code", "analyzer"]);
        Assert.True(py.Success, Describe(py));
        Assert.Equal("python_code_analyzer", py.ToolId);
    }

    [Fact]
    public async Task All_candidates_failing_is_a_clean_answer_with_every_attempt()
    {
        var tag = Tag();
        await RegisterScriptAsync("fails_" + tag, tag, "echo 'boom: disk on fire' >&2; exit 7");
        await RegisterScriptAsync("garbage_" + tag, tag, "echo 'not json'");

        var result = await fixture.Client.CallToolResilientAsync("summarize a document", "{}", [tag]);
        Assert.False(result.Success);
        Assert.Null(result.ToolId);
        Assert.Null(result.ResultJson);
        Assert.Equal(2, result.Attempts.Length);
        Assert.All(result.Attempts, a => Assert.Equal(AttemptOutcomes.Failure, a.Outcome));
        Assert.All(result.Attempts, a => Assert.Equal("high", a.Severity));
        Assert.Contains(result.Attempts, a => a.Error!.Contains("boom: disk on fire"));
        Assert.Contains(result.Attempts, a => a.Error!.Contains("not JSON"));

        // The same through the protocol: success false, every attempt, no error.
        var response = await fixture.CallProtocolAsync("resilient_tool_call", new { scenario = "summarize a document", input_data = new { }, tags = new[] { tag } });
        Assert.Null(response.Error);
        var json = JsonDocument.Parse(response.Json).RootElement;
        Assert.False(json.GetProperty("success").GetBoolean());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("result").ValueKind);
        Assert.Equal(2, json.GetProperty("attempts").GetArrayLength());
        foreach (var field in new[] { "tool_id", "score", "similarity", "failure_demotion", "quality", "outcome", "error", "duration_ms" })
            Assert.True(json.GetProperty("attempts")[0].TryGetProperty(field, out _), field);
    }

    [Fact]
    public async Task Max_attempts_1_tries_only_the_best_candidate()
    {
        var tag = Tag();
        await RegisterScriptAsync("first_" + tag, tag, "exit 1", description: "count the words of a text", quality: 1.0);
        await RegisterScriptAsync("second_" + tag, tag, "echo '{\"words\":2}'", description: "unrelated zebra husbandry", quality: 0.1);

        var result = await fixture.Client.CallToolResilientAsync("count the words of a text", "{}", [tag], maxAttempts: 1);
        Assert.False(result.Success);
        Assert.Equal("first_" + tag, Assert.Single(result.Attempts).ToolId);
        Assert.Equal(2, result.Candidates);
    }

    [Fact]
    public async Task No_candidate_carrying_the_tags_is_no_candidates()
    {
        var ex = await Assert.ThrowsAsync<ToolGrainsException>(() =>
            fixture.Client.CallToolResilientAsync("translate english to french", "{}", ["translation", "no-such-tag-" + Guid.NewGuid().ToString("N")]));
        Assert.Equal(ErrorCodes.NoCandidates, ex.Code);
        Assert.Equal("tags", ex.Field);

        var response = await fixture.CallProtocolAsync("resilient_tool_call", new { scenario = "x", input_data = new { }, tags = new[] { "no-such-tag" } });
        Assert.Equal(ErrorCodes.NoCandidates, response.Error?.Code);
        Assert.Contains("\"no_candidates\"", response.Json);
    }

    [Theory]
    [InlineData("""{"input_data":{},"tags":[]}""", "scenario")]
    [InlineData("""{"scenario":"x","tags":[]}""", "input_data")]
    [InlineData("""{"scenario":"x","input_data":{}}""", "tags")]
    [InlineData("""{"scenario":"x","input_data":{},"tags":"code"}""", "tags")]
    [InlineData("""{"scenario":"x","input_data":{},"tags":[],"max_attempts":0}""", "max_attempts")]
    [InlineData("""{"scenario":"x","input_data":{},"tags":[],"max_attempts":1000}""", "max_attempts")]
    [InlineData("""{"scenario":"x","input_data":{},"tags":[],"deadline_seconds":-1}""", "deadline_seconds")]
    [InlineData("TAGS65", "tags")]
    public async Task Invalid_requests_name_the_field(string request, string field)
    {
        // 65 distinct tags: more than a tool may carry, so no tool could match all of them.
        if (request == "TAGS65")
            request = JsonSerializer.Serialize(new { scenario = "x", input_data = new { }, tags = Enumerable.Range(0, 65).Select(i => $"t{i}") });
        var response = await fixture.CallProtocolAsync("resilient_tool_call", request);
        Assert.Equal(ErrorCodes.InvalidRequest, response.Error?.Code);
        Assert.Equal(field, response.Error!.Field);
    }

    [Fact]
    public async Task Misbehaving_executables_fail_their_attempt_cleanly_and_the_call_goes_on()
    {
        var tag = Tag();
        const string scenario = "convert a csv file to json";
        await RegisterScriptAsync("gigabytes_" + tag, tag, "cat /dev/zero", scenario, 1.0, timeoutSeconds: 60);
        await RegisterScriptAsync("hangs_" + tag, tag, "while true; do sleep 1; done", scenario, 1.0, timeoutSeconds: 1);
        await RegisterScriptAsync("invalid_" + tag, tag, "echo '{\"unterminated\": '", scenario, 1.0);
        await RegisterScriptAsync("silent_" + tag, tag, "exit 0", scenario, 1.0);
        await RegisterScriptAsync("works_" + tag, tag, "cat > /dev/null; echo '{\"rows\":3}'", "unrelated zebra husbandry", 0.05);

        var started = Stopwatch.StartNew();
        var result = await fixture.Client.CallToolResilientAsync(scenario, "{}", [tag]);
        Assert.True(result.Success, Describe(result));
        Assert.Equal("works_" + tag, result.ToolId);
        Assert.Equal("""{"rows":3}""", result.ResultJson);
        Assert.Equal(5, result.Attempts.Length);
        var byTool = result.Attempts.ToDictionary(a => a.ToolId[..a.ToolId.IndexOf('_')]);
        Assert.Contains("more than", byTool["gigabytes"].Error);
        Assert.Equal((AttemptOutcomes.Timeout, "none", "transient"), (byTool["hangs"].Outcome, byTool["hangs"].Severity, byTool["hangs"].ErrorKind));
        Assert.Contains("not JSON", byTool["invalid"].Error);
        Assert.Contains("no output", byTool["silent"].Error);
        Assert.All(new[] { "gigabytes", "invalid", "silent" }, t => Assert.Equal((AttemptOutcomes.Failure, "high"), (byTool[t].Outcome, byTool[t].Severity)));
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(60), $"took {started.Elapsed}");
        Assert.Equal(1.0, (await fixture.Tool("hangs_" + tag).GetStatusAsync()).Quality, 6); // a timeout is transient: breaker only
        Assert.Equal(0.90, (await fixture.Tool("silent_" + tag).GetStatusAsync()).Quality, 6);
    }

    [Fact]
    public async Task A_bad_request_answer_is_not_the_tools_fault_and_does_not_demote_it()
    {
        var tag = Tag();
        await using var server = new LocalHttpServer().Route("translate", 400, """{"error":"'text' is required"}""");
        await fixture.RegisterYamlAsync($"""
            id: strict_{tag}
            description: translate english to german
            tags: [{tag}]
            quality: 0.9
            http: {"{"} url: {server.Url("translate")}, timeout_seconds: 5 {"}"}
            """);
        var result = await fixture.Client.CallToolResilientAsync("translate english to german", """{"txt":"oops"}""", [tag]);
        var attempt = Assert.Single(result.Attempts);
        Assert.Equal((AttemptOutcomes.Failure, "none"), (attempt.Outcome, attempt.Severity));
        Assert.Contains("HTTP 400", attempt.Error);
        var status = await fixture.Tool("strict_" + tag).GetStatusAsync();
        Assert.Equal(0.9, status.Quality, 6);
        Assert.Equal(0, status.FailureCount);
    }

    [Fact]
    public async Task The_overall_deadline_stops_the_call_without_blaming_the_tool()
    {
        var tag = Tag();
        await RegisterScriptAsync("slow_" + tag, tag, "sleep 30; echo '{}'", timeoutSeconds: 60);
        var started = Stopwatch.StartNew();
        var result = await fixture.Client.CallToolResilientAsync("anything at all", "{}", [tag], options: new ResilientCallOptions(DeadlineSeconds: 1));
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(15), $"took {started.Elapsed}");
        var attempt = Assert.Single(result.Attempts);
        Assert.Equal((AttemptOutcomes.Timeout, "none"), (attempt.Outcome, attempt.Severity));
        Assert.Equal(0.8, (await fixture.Tool("slow_" + tag).GetStatusAsync()).Quality, 6);
    }

    [Fact]
    public async Task Plain_CallToolAsync_runs_one_tool_by_id_without_ranking()
    {
        var result = await fixture.Client.CallToolAsync("offline_translator", """{"text":"the cat","target":"de"}""", new ToolCallOptions(DisableTracking: true));
        Assert.Equal(ToolOutcome.Success, result.Outcome);
        Assert.Contains("die Katze", result.ResultJson);
        var ex = await Assert.ThrowsAsync<ToolGrainsException>(() => fixture.Client.CallToolAsync("no_such_tool_" + Tag(), "{}"));
        Assert.Equal(ErrorCodes.ToolNotFound, ex.Code);
        // A typed caller's input that is no JSON document is its own error, as for a resilient call; the tool never runs.
        foreach (var input in new[] { null!, "", "{\"text\":", "\u0000" })
        {
            var refused = await Assert.ThrowsAsync<ToolGrainsException>(() => fixture.Client.CallToolAsync("offline_translator", input));
            Assert.Equal((ErrorCodes.InvalidRequest, "input_data"), (refused.Code, refused.Field));
        }
        foreach (var toolId in new[] { null!, "", "  " })
        {
            var refused = await Assert.ThrowsAsync<ToolGrainsException>(() => fixture.Client.CallToolAsync(toolId, "{}"));
            Assert.Equal((ErrorCodes.InvalidRequest, "tool_id"), (refused.Code, refused.Field));
        }
    }

    private static string Tag() => "t" + Guid.NewGuid().ToString("N")[..10];

    private Task RegisterScriptAsync(string id, string tag, string body, string? description = null, double quality = 0.8, double timeoutSeconds = 10) =>
        fixture.RegisterYamlAsync($"""
            id: {id}
            description: {description ?? "a test tool " + id}
            tags: [{tag}]
            quality: {quality.ToString(System.Globalization.CultureInfo.InvariantCulture)}
            executable:
              command: ./run.sh
              timeout_seconds: {timeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}
            """, ("run.sh", "#!/bin/bash\n" + body + "\n"));

    private static string Describe(ResilientCallResult result) =>
        string.Join("; ", result.Attempts.Select(a => $"{a.ToolId} {a.Outcome} score={a.Score:0.000} sim={a.Similarity:0.000} q={a.Quality:0.00} {a.Error}"));
}
