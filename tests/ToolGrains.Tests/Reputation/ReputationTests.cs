using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using ToolGrains.Core.Embeddings;
using ToolGrains.Grains.Reputation;
using ToolGrains.Grains.Usage;
using ToolGrains.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ToolGrains.Tests.Reputation;

/// <summary>Tool reputation on a real in-process cluster with the real MiniLM model (issue 4).</summary>
[Collection(ReputationCollection.Name)]
public sealed class ReputationTests(ReputationClusterFixture cluster, ITestOutputHelper output)
{
    private static string Unique(string prefix) => $"{prefix}_{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];

    /// <summary>The worked example's tools and failure through the grain: what the answer and the status show. Which scenarios
    /// the failure demotes is asserted once, on the pure logic (Core's <c>WorkedExampleTests</c>).</summary>
    [Fact]
    public async Task Worked_example_a_high_failure_shows_in_the_answer_and_the_status()
    {
        var python = Unique("python_code_analyzer");
        await cluster.RegisterAsync(python, "Analyzes code in any programming language", 0.90, ["code", "analyzer"]);
        await cluster.RegisterAsync(Unique("javascript_analyzer"), "Lints JavaScript files", 0.85, ["code", "javascript"]);
        await cluster.RegisterAsync(Unique("universal_analyzer"), "Analyzes source code in many languages", 0.75, ["code", "multi-language"]);

        var marked = await cluster.CallOkAsync("mark_tool_failure", new
        {
            tool_id = python, scenario = "analyze javascript code", error_message = "UnsupportedLanguageError", severity = "high",
        });
        output.WriteLine(marked.GetRawText());
        Assert.Equal(python, marked.GetProperty("tool_id").GetString());
        Assert.Equal(0.90, marked.GetProperty("quality_before").GetDouble());
        Assert.Equal(0.80, marked.GetProperty("quality_after").GetDouble());
        Assert.Equal(["not-for-javascript"], Strings(marked.GetProperty("negative_tags_added")));
        Assert.Equal(["not-for-javascript"], Strings(marked.GetProperty("negative_tags")));
        Assert.Equal(1, marked.GetProperty("failure_count").GetInt64());
        Assert.False(marked.GetProperty("deprecated").GetBoolean());

        var status = await cluster.CallOkAsync("tool_status", new { tool_id = python });
        output.WriteLine(status.GetRawText());
        Assert.Equal(0.80, status.GetProperty("quality").GetDouble());
        Assert.Equal(0.90, status.GetProperty("registered_quality").GetDouble());
        Assert.Equal(["code", "analyzer"], Strings(status.GetProperty("tags")));
        Assert.Equal(["not-for-javascript"], Strings(status.GetProperty("negative_tags")));
        Assert.Equal(1, status.GetProperty("failure_count").GetInt64());
        Assert.Equal(cluster.Clock.GetUtcNow(), status.GetProperty("last_failure_at").GetDateTimeOffset());
        var recent = Assert.Single(status.GetProperty("recent_failures").EnumerateArray());
        Assert.Equal("analyze javascript code", recent.GetProperty("scenario").GetString());
        Assert.Equal("UnsupportedLanguageError", recent.GetProperty("error_message").GetString());
        Assert.Equal("high", recent.GetProperty("severity").GetString());
        var pattern = Assert.Single(status.GetProperty("common_failures").EnumerateArray());
        Assert.Equal(1, pattern.GetProperty("count").GetInt32());
        Assert.Equal(["javascript"], Strings(pattern.GetProperty("domains")));
        var tag = Assert.Single(status.GetProperty("negative_tag_history").EnumerateArray());
        Assert.Equal("analyze javascript code", tag.GetProperty("scenario").GetString());
        Assert.Equal(["registered", "failure:high"], status.GetProperty("quality_history").EnumerateArray().Select(q => q.GetProperty("reason").GetString()));
    }

    [Fact]
    public async Task The_silo_embedder_is_the_real_model_and_rates_a_paraphrase_closest()
    {
        var generator = cluster.SiloServices.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        Assert.Equal("all-MiniLM-L6-v2", generator.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelId);
        var french = await cluster.EmbedAsync("translate english to french");
        var convert = await cluster.EmbedAsync("convert text to french language");
        var json = await cluster.EmbedAsync("parse JSON data");
        var paraphrase = VectorMath.CosineSimilarity(french.AsSpan(), convert.AsSpan());
        var unrelated = VectorMath.CosineSimilarity(french.AsSpan(), json.AsSpan());
        output.WriteLine($"paraphrase {paraphrase:F3}, unrelated {unrelated:F3}");
        Assert.True(paraphrase > unrelated + 0.2, $"paraphrase {paraphrase} vs unrelated {unrelated}");
        Assert.Equal(384, french.Length);
    }

    [Fact]
    public async Task The_catalog_keeps_description_embeddings_and_answers_by_version()
    {
        var id = Unique("catalog_tool");
        var catalog = cluster.Client.GetGrain<IToolCatalogGrain>("default");
        var registered = await cluster.RegisterAsync(id, "Translates English text to French", 0.8, ["text"]);
        var version = registered.GetProperty("catalog_version").GetInt64();

        var snapshot = await catalog.GetSnapshotAsync(knownVersion: 0);
        Assert.NotNull(snapshot);
        Assert.Equal(version, snapshot.Version);
        var entry = Assert.Single(snapshot.Tools, t => t.Descriptor.Id == id);
        Assert.Equal("all-MiniLM-L6-v2", entry.EmbeddingModel);
        Assert.Equal((await cluster.EmbedAsync("Translates English text to French")).AsEnumerable(), entry.DescriptionEmbedding.AsEnumerable());
        Assert.Null(await catalog.GetSnapshotAsync(version));

        // The same descriptor again (a silo start re-reading tools/*.yaml) changes nothing; a new version does.
        Assert.Equal(version, (await cluster.RegisterAsync(id, "Translates English text to French", 0.8, ["text"])).GetProperty("catalog_version").GetInt64());
        var next = (await cluster.RegisterAsync(id, "Translates English text to French and Spanish", 0.8, ["text"], "1.1.0")).GetProperty("catalog_version").GetInt64();
        Assert.True(next > version);
        var changed = Assert.Single((await catalog.GetSnapshotAsync(version))!.Tools, t => t.Descriptor.Id == id);
        Assert.Equal("1.1.0", changed.Descriptor.Version);
        Assert.Equal((await cluster.EmbedAsync("Translates English text to French and Spanish")).AsEnumerable(), changed.DescriptionEmbedding.AsEnumerable());
    }

    [Fact]
    public async Task A_tool_id_that_names_a_protocol_operation_is_refused()
    {
        foreach (var id in new[] { "buffer", "register_tool", "resilient_tool_call" })
        {
            var refused = await cluster.CallAsync("register_tool", new { id, description = "shadows an operation", builtin = "log_batch_writer" });
            Assert.Equal("id", refused.GetProperty("error").GetProperty("field").GetString());
        }
    }

    [Fact]
    public async Task Reregistering_a_newer_version_keeps_the_learned_history()
    {
        var id = Unique("versioned");
        await cluster.RegisterAsync(id, "Parses JSON documents", 0.9, ["json"]);
        await cluster.CallOkAsync("mark_tool_failure", new { tool_id = id, scenario = "parse YAML config", severity = "medium" });
        await cluster.RegisterAsync(id, "Parses JSON and YAML documents", 0.95, ["json", "yaml"], "2.0.0");

        var status = await cluster.Tool(id).GetStatusAsync();
        Assert.Equal("2.0.0", status.Descriptor.Version);
        Assert.Equal(0.95, status.RegisteredQuality);
        Assert.Equal(0.85, status.Quality);
        Assert.Equal(1, status.FailureCount);
        Assert.Equal(["not-for-yaml"], status.NegativeTags.Select(t => t.Tag));
        Assert.Equal(["registered", "failure:medium", "reregistered:2.0.0"], status.QualityHistory.Select(q => q.Reason));
    }

    [Fact]
    public async Task A_tool_is_deprecated_past_the_thresholds_and_can_be_undeprecated()
    {
        var id = Unique("flaky");
        await cluster.RegisterAsync(id, "Converts CSV files to JSON", 0.9, ["csv"]);
        // Defaults: more than 20 failures and quality below 0.3. High failures take 0.10 each, floor 0.
        for (var i = 1; i <= 20; i++)
        {
            var r = await cluster.Tool(id).MarkFailureAsync(new ToolFailureReport($"convert file number {i}", "boom", "high"));
            Assert.False(r.Deprecated, $"deprecated after {i} failures");
        }
        Assert.Equal(0, (await cluster.Tool(id).GetStatusAsync()).Quality);
        var last = await cluster.CallOkAsync("mark_tool_failure", new { tool_id = id, scenario = "convert file number 21", severity = "high" });
        Assert.True(last.GetProperty("deprecated").GetBoolean());
        Assert.Equal(21, last.GetProperty("failure_count").GetInt64());
        var status = await cluster.CallOkAsync("tool_status", new { tool_id = id });
        Assert.True(status.GetProperty("deprecated").GetBoolean());
        Assert.Equal(cluster.Clock.GetUtcNow(), status.GetProperty("deprecated_at").GetDateTimeOffset());
        Assert.True((await cluster.Tool(id).AssessScenarioAsync([], null)).Deprecated);

        var undeprecated = await cluster.Tool(id).UndeprecateAsync();
        Assert.False(undeprecated.Deprecated);
        Assert.Null(undeprecated.DeprecatedAt);
        // The count toward deprecation starts again: one more failure does not deprecate it at once.
        Assert.False((await cluster.Tool(id).MarkFailureAsync(new ToolFailureReport("convert file number 22", null, "low"))).Deprecated);
        Assert.Equal(22, (await cluster.Tool(id).GetStatusAsync()).FailureCount);
    }

    [Fact]
    public async Task Success_recovers_quality_by_the_configured_gain_up_to_the_registered_quality()
    {
        var id = Unique("recovering");
        await cluster.RegisterAsync(id, "Resizes images", 0.85, ["image"]);
        await cluster.Tool(id).MarkFailureAsync(new ToolFailureReport("resize a PNG image", null, "medium"));
        Assert.Equal(0.80, (await cluster.Tool(id).GetStatusAsync()).Quality);

        var first = await cluster.Tool(id).RecordSuccessAsync();
        Assert.Equal(0.80, first.QualityBefore);
        Assert.Equal(0.80 + ReputationClusterFixture.RecoveryGain, first.QualityAfter, 6);
        await cluster.Tool(id).RecordSuccessAsync();
        var capped = await cluster.Tool(id).RecordSuccessAsync();
        Assert.Equal(0.85, capped.QualityAfter);
        Assert.Equal(0.85, (await cluster.Tool(id).RecordSuccessAsync()).QualityAfter);
        Assert.Equal(4, (await cluster.Tool(id).GetStatusAsync()).SuccessCount);
    }

    [Fact]
    public async Task Old_failures_count_less_after_the_half_life()
    {
        var id = Unique("aging");
        await cluster.RegisterAsync(id, "Parses JSON documents", 0.9, ["json"]);
        const string scenario = "parse JSON data";
        await cluster.Tool(id).MarkFailureAsync(new ToolFailureReport(scenario, "bad token", "medium"));
        var embedding = await cluster.EmbedAsync("parse this JSON document");

        Assert.Equal(0.3, (await cluster.Tool(id).AssessScenarioAsync(embedding, "parse this JSON document")).FailureDemotion);
        cluster.Clock.Advance(TimeSpan.FromDays(7));
        var aged = await cluster.Tool(id).AssessScenarioAsync(embedding, "parse this JSON document");
        Assert.Equal(0.15, aged.FailureDemotion, 6);
        Assert.Equal(1, aged.SimilarFailures);
        cluster.Clock.Advance(TimeSpan.FromDays(63));
        Assert.True((await cluster.Tool(id).AssessScenarioAsync(embedding, "parse this JSON document")).FailureDemotion < 0.001);
    }

    [Fact]
    public async Task Every_invalid_input_is_refused_with_its_code_and_field()
    {
        var id = Unique("strict");
        await cluster.RegisterAsync(id, "Parses JSON documents", 0.9, ["json"]);

        async Task Refused(string tool, object request, string code, string? field)
        {
            var error = (await cluster.CallAsync(tool, request)).GetProperty("error");
            output.WriteLine(error.GetRawText());
            Assert.Equal(code, error.GetProperty("code").GetString());
            if (field is null) Assert.False(error.TryGetProperty("field", out var f) && f.ValueKind != JsonValueKind.Null);
            else Assert.Equal(field, error.GetProperty("field").GetString());
        }

        await Refused("mark_tool_failure", new { tool_id = "no_such_tool_xyz", scenario = "parse", severity = "low" }, ErrorCodes.ToolNotFound, "tool_id");
        await Refused("mark_tool_failure", new { scenario = "parse JSON data" }, ErrorCodes.InvalidRequest, "tool_id");
        await Refused("mark_tool_failure", new { tool_id = id }, ErrorCodes.InvalidRequest, "scenario");
        await Refused("mark_tool_failure", new { tool_id = id, scenario = "" }, ErrorCodes.InvalidRequest, "scenario");
        await Refused("mark_tool_failure", new { tool_id = id, scenario = "   \t" }, ErrorCodes.InvalidRequest, "scenario");
        await Refused("mark_tool_failure", new { tool_id = id, scenario = 42 }, ErrorCodes.InvalidRequest, "scenario");
        await Refused("mark_tool_failure", new { tool_id = id, scenario = "parse JSON data", severity = "catastrophic" }, ErrorCodes.InvalidRequest, "severity");
        await Refused("mark_tool_failure", new { tool_id = id, scenario = "parse JSON data", severity = "none" }, ErrorCodes.InvalidRequest, "severity");
        await Refused("mark_tool_failure", new { tool_id = id, scenario = "parse JSON data", severity = 3 }, ErrorCodes.InvalidRequest, "severity");
        await Refused("tool_status", new { tool_id = "no_such_tool_xyz" }, ErrorCodes.ToolNotFound, "tool_id");
        await Refused("tool_status", new { }, ErrorCodes.InvalidRequest, "tool_id");

        // Refusals changed nothing.
        var status = await cluster.Tool(id).GetStatusAsync();
        Assert.Equal(0, status.FailureCount);
        Assert.Equal(0.9, status.Quality);

        var notFound = await Assert.ThrowsAsync<ToolGrainsException>(() => cluster.Tool("no_such_tool_xyz").RecordSuccessAsync());
        Assert.Equal(ErrorCodes.ToolNotFound, notFound.Code);
        var badIncrement = await Assert.ThrowsAsync<ToolGrainsException>(() => cluster.Tool(id).AddUsageAsync(0));
        Assert.Equal("increment", badIncrement.Field);

        // Severity defaults to medium; case and blanks do not matter.
        Assert.Equal(0.85, (await cluster.CallOkAsync("mark_tool_failure", new { tool_id = id, scenario = "parse JSON data" })).GetProperty("quality_after").GetDouble());
        Assert.Equal(0.84, (await cluster.CallOkAsync("mark_tool_failure", new { tool_id = id, scenario = "parse JSON data", severity = " LOW " })).GetProperty("quality_after").GetDouble());
    }

    [Fact]
    public async Task A_restart_keeps_quality_tags_failure_memory_counts_and_catalog()
    {
        var id = Unique("durable");
        await cluster.RegisterAsync(id, "Analyzes code in any programming language", 0.9, ["code"]);
        await cluster.Tool(id).MarkFailureAsync(new ToolFailureReport("analyze javascript code", "UnsupportedLanguageError", "high"));
        await cluster.Tool(id).MarkFailureAsync(new ToolFailureReport("parse JSON data", "bad token", "low"));
        await cluster.Tool(id).RecordSuccessAsync();
        await cluster.Tool(id).AddUsageAsync(7, "batch-1");
        const string lint = "lint this javascript file";
        var before = await cluster.Tool(id).GetStatusAsync();
        var assessedBefore = await cluster.Tool(id).AssessScenarioAsync(await cluster.EmbedAsync(lint), lint);
        var catalogBefore = (await cluster.Client.GetGrain<IToolCatalogGrain>("default").GetSnapshotAsync(0))!;

        await cluster.RestartAsync();

        var after = await cluster.Tool(id).GetStatusAsync();
        Assert.Equal(before.Quality, after.Quality);
        Assert.Equal(before.NegativeTags.AsEnumerable(), after.NegativeTags.AsEnumerable());
        Assert.Equal(before.RecentFailures.AsEnumerable(), after.RecentFailures.AsEnumerable());
        Assert.Equal(before.CommonFailures.Select(p => (p.RepresentativeScenario, p.Count, p.LastSeen, string.Join(",", p.Domains))),
            after.CommonFailures.Select(p => (p.RepresentativeScenario, p.Count, p.LastSeen, string.Join(",", p.Domains))));
        Assert.Equal(before.QualityHistory.AsEnumerable(), after.QualityHistory.AsEnumerable());
        Assert.Equal(before.Descriptor, after.Descriptor);
        Assert.Equal((before.FailureCount, before.SuccessCount, before.UsageCount, before.LastUsedAt, before.LastFailureAt),
            (after.FailureCount, after.SuccessCount, after.UsageCount, after.LastUsedAt, after.LastFailureAt));
        var assessedAfter = await cluster.Tool(id).AssessScenarioAsync(await cluster.EmbedAsync(lint), lint);
        Assert.Equal(assessedBefore with { NegativeTags = [] }, assessedAfter with { NegativeTags = [] });
        Assert.Equal(0.3, assessedAfter.FailureDemotion);
        // The usage batch applied before the restart is still known: a redelivery is not counted again.
        await cluster.Tool(id).AddUsageAsync(7, "batch-1");
        Assert.Equal(7, (await cluster.Tool(id).GetStatusAsync()).UsageCount);
        var catalogAfter = (await cluster.Client.GetGrain<IToolCatalogGrain>("default").GetSnapshotAsync(0))!;
        Assert.Equal(catalogBefore.Version, catalogAfter.Version);
        var (entryBefore, entryAfter) = (catalogBefore.Tools.Single(t => t.Descriptor.Id == id), catalogAfter.Tools.Single(t => t.Descriptor.Id == id));
        Assert.Equal(entryBefore.Descriptor, entryAfter.Descriptor);
        Assert.Equal(entryBefore.DescriptionEmbedding.AsEnumerable(), entryAfter.DescriptionEmbedding.AsEnumerable());
    }

    [Fact]
    public async Task A_thousand_rapid_usage_increments_become_exact_counts_with_few_state_writes()
    {
        var a = Unique("used_a");
        var b = Unique("used_b");
        await cluster.RegisterAsync(a, "Counts words", 0.8, ["text"]);
        await cluster.RegisterAsync(b, "Counts lines", 0.8, ["text"]);
        var bufferId = Unique("usage_test");
        long writesA = 0, writesB = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "toolgrains.reputation.storage_writes") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key != ReputationMetrics.ToolIdTag) continue;
                if (Equals(tag.Value, a)) Interlocked.Add(ref writesA, value);
                if (Equals(tag.Value, b)) Interlocked.Add(ref writesB, value);
            }
        });
        listener.Start();

        // 1,000 single-item writes from 16 concurrent writers: 700 for a, 300 for b.
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < 1000)
            {
                await cluster.CallOkAsync("buffer", new
                {
                    operation = "write", buffer_id = bufferId, data = new { tool_id = i % 10 < 7 ? a : b, increment = 1 },
                    strategy = "batched", max_size = 100, flush_interval_seconds = 5.0, pass_through_tool = ToolUsageUpdateTool.BuiltinName,
                });
            }
        }));
        await cluster.CallOkAsync("buffer", new { operation = "flush", buffer_id = bufferId });
        Assert.True(await Repo.WaitUntilAsync(async () =>
            (await cluster.CallOkAsync("buffer", new { operation = "status", buffer_id = bufferId })).GetProperty("total_flushed").GetInt64() == 1000,
            TimeSpan.FromSeconds(30)));

        Assert.Equal(700, (await cluster.Tool(a).GetStatusAsync()).UsageCount);
        Assert.Equal(300, (await cluster.Tool(b).GetStatusAsync()).UsageCount);
        Assert.Equal(cluster.Clock.GetUtcNow(), (await cluster.Tool(a).GetStatusAsync()).LastUsedAt);
        listener.RecordObservableInstruments();
        output.WriteLine($"state writes: {a} {writesA}, {b} {writesB} for 1,000 increments");
        // One write per tool per batch: 1,000 items in batches of 100 is at most ~11 batches.
        Assert.InRange(writesA, 1, 12);
        Assert.InRange(writesB, 1, 12);
    }

    [Fact]
    public async Task Plain_and_pass_through_calls_are_counted_unless_tracking_is_disabled()
    {
        var id = Unique("counted");
        await cluster.RegisterAsync(id, "Writes batches to the log", 0.8, ["log"]);
        for (var i = 0; i < 3; i++) await cluster.CallOkAsync(id, new { items = new[] { i } });
        await cluster.CallOkAsync(id, new { items = new[] { 9 }, disable_tracking = true });
        var viaGrain = await cluster.Client.GetGrain<IToolCallGrain>(0).CallToolAsync(id, "{\"items\":[1]}");
        Assert.True(viaGrain.Succeeded);

        // Two batches through a buffer whose pass-through is the tool: two more invocations.
        var bufferId = Unique("passing");
        for (var i = 0; i < 4; i++)
            await cluster.CallOkAsync("buffer", new { operation = "write", buffer_id = bufferId, data = i, strategy = "batched", max_size = 2, pass_through_tool = id });
        Assert.True(await Repo.WaitUntilAsync(async () =>
            (await cluster.Client.GetGrain<IBufferGrain>(bufferId).GetStatusAsync()).TotalFlushed == 4, TimeSpan.FromSeconds(30)));

        // Counts are gathered per silo for a second, then written to the usage buffer as one item per tool.
        await cluster.SiloServices.GetRequiredService<UsageTracker>().FlushAsync();
        await cluster.CallOkAsync("buffer", new { operation = "flush", buffer_id = "usage_tracking" });
        var usage = await cluster.Client.GetGrain<IBufferGrain>("usage_tracking").GetStatusAsync();
        // The settings the replaced system's callers send for this buffer, so their writes and the silo's agree.
        Assert.Equal("qdrant_batch_update", usage.PassThroughTool);
        Assert.Equal(50, usage.MaxSize);
        Assert.Equal(5.0, usage.FlushIntervalSeconds);
        Assert.Equal(6, (await cluster.Tool(id).GetStatusAsync()).UsageCount);
        // The usage buffer's own pass-through is never counted, or it would feed itself.
        Assert.Equal(0, (await cluster.Tool("qdrant_batch_update").GetStatusAsync()).UsageCount);
    }

    [Fact]
    public async Task Tool_usage_update_skips_malformed_items_and_unknown_tools_without_failing_the_batch()
    {
        var id = Unique("tallied");
        await cluster.RegisterAsync(id, "Counts words", 0.8, ["text"]);
        var bufferId = Unique("usage_mixed");
        await cluster.CallOkAsync("buffer", new
        {
            operation = "write", buffer_id = bufferId, strategy = "manual", pass_through_tool = ToolUsageUpdateTool.BuiltinName,
            items = new object[]
            {
                new { tool_id = id, increment = 5 },
                new { tool_id = id },                          // increment defaults to 1
                new { tool_id = id, increment = -2 },          // not positive: skipped
                new { tool_id = id, increment = "3" },         // not a number: skipped
                new { increment = 1 },                         // no tool: skipped
                new { tool_id = "never_registered_tool", increment = 1 },
                "not an object",
            },
        });
        var flush = await cluster.CallOkAsync("buffer", new { operation = "flush", buffer_id = bufferId });
        Assert.Equal(7, flush.GetProperty("flushed_count").GetInt32());
        Assert.Equal(6, (await cluster.Tool(id).GetStatusAsync()).UsageCount);
        Assert.Null((await cluster.Client.GetGrain<IBufferGrain>(bufferId).GetStatusAsync()).LastError);
    }
}
