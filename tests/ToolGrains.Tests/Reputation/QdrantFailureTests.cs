using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Hosting;
using Qdrant.Client;
using ToolGrains.Grains.Reputation;
using ToolGrains.Grains.Running;
using ToolGrains.Hosting;
using ToolGrains.Qdrant;
using ToolGrains.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ToolGrains.Tests.Reputation;

/// <summary>Failures exported for Qdrant: the points and filters built, the export buffer on a real cluster, and a live server when one is given.</summary>
public sealed class QdrantFailureTests(ITestOutputHelper output)
{
    private static FailureItem Failure(string tool, string scenario, DateTimeOffset at, string severity = "high") =>
        new(tool, scenario, "UnsupportedLanguageError", severity, at, [0.6f, 0.8f, 0f, 0f]);

    /// <summary>
    /// Always checks the points and the filters; additionally upserts them into a real Qdrant when
    /// TOOLGRAINS_QDRANT_URL is set (no Qdrant server can run on the build machines, and the project
    /// forbids skipped tests as placeholders, so the live part is a branch of this test, not a skip).
    /// </summary>
    [Fact]
    public async Task Failure_points_and_filters_are_built_and_upserted_into_a_live_Qdrant_when_given()
    {
        var at = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
        var failure = Failure("python_code_analyzer", "analyze javascript code", at);
        var point = QdrantFailurePoints.ToPoint(failure);

        Assert.Equal(QdrantFailurePoints.PointId(failure).ToString(), point.Id.Uuid);
        Assert.Equal(point.Id, QdrantFailurePoints.ToPoint(failure with { Vector = [1f, 0f, 0f, 0f] }).Id); // the vector is not the failure's identity
        Assert.NotEqual(point.Id, QdrantFailurePoints.ToPoint(failure with { Time = at.AddSeconds(1) }).Id);
        Assert.NotEqual(point.Id, QdrantFailurePoints.ToPoint(failure with { ToolId = "other" }).Id);
        Assert.Equal('8', point.Id.Uuid[14]); // a version-8 UUID, as Qdrant requires a UUID or an integer
        Assert.Equal("python_code_analyzer", point.Payload["tool_id"].StringValue);
        Assert.Equal("analyze javascript code", point.Payload["scenario"].StringValue);
        Assert.Equal("UnsupportedLanguageError", point.Payload["error"].StringValue);
        Assert.Equal("high", point.Payload["severity"].StringValue);
        Assert.Equal("2026-03-01T12:00:00.0000000Z", point.Payload["time"].StringValue);
        Assert.Equal(at.ToUnixTimeSeconds(), point.Payload["time_unix"].IntegerValue);
        Assert.Throws<ArgumentException>(() => QdrantFailurePoints.ToPoint(failure with { Vector = [] }));

        var filter = QdrantFailurePoints.ForTool("python_code_analyzer", since: at.AddDays(-7));
        Assert.Equal(2, filter.Must.Count);
        Assert.Equal("tool_id", filter.Must[0].Field.Key);
        Assert.Equal("python_code_analyzer", filter.Must[0].Field.Match.Keyword);
        Assert.Equal("time_unix", filter.Must[1].Field.Key);
        Assert.Equal(at.AddDays(-7).ToUnixTimeSeconds(), filter.Must[1].Field.Range.Gte);
        Assert.Single(QdrantFailurePoints.ForTool("x").Must);
        Assert.Equal(global::Qdrant.Client.Grpc.Distance.Cosine, QdrantFailurePoints.Vectors(384).Distance);

        if (Environment.GetEnvironmentVariable("TOOLGRAINS_QDRANT_URL") is not { Length: > 0 } url)
        {
            output.WriteLine("TOOLGRAINS_QDRANT_URL is not set: the live upsert was not run.");
            return;
        }
        var collection = "toolgrains_test_" + Guid.NewGuid().ToString("N")[..8];
        // Failure items only: the grain factory, used for usage items, is never reached.
        using var tool = new QdrantBatchUpdateTool(Options.Create(new QdrantFailureOptions { Url = url, Collection = collection }), null!);
        var batch = JsonSerializer.SerializeToElement(new
        {
            buffer_id = "qdrant_failures",
            batch_id = "qdrant_failures:0",
            items = new[] { failure, Failure("python_code_analyzer", "lint this javascript file", at.AddMinutes(1)), Failure("universal_analyzer", "parse JSON data", at) }
                .Select(f => JsonSerializer.SerializeToElement(f, FailureItem.Json)),
        });
        var descriptor = new ToolDescriptor("qdrant_batch_update", "1", "q", [], 1, ToolKind.Builtin, "qdrant_batch_update", [], 30, null, "{}");
        using var client = new QdrantClient(new Uri(url));
        try
        {
            await tool.InvokeAsync(descriptor, batch, CancellationToken.None);
            await tool.InvokeAsync(descriptor, batch, CancellationToken.None); // a redelivery upserts the same points
            Assert.Equal(2UL, await client.CountAsync(collection, QdrantFailurePoints.ForTool("python_code_analyzer"), exact: true));
            Assert.Equal(1UL, await client.CountAsync(collection, QdrantFailurePoints.ForTool("python_code_analyzer", at.AddSeconds(30)), exact: true));
            Assert.Equal(3UL, await client.CountAsync(collection, exact: true));
        }
        finally
        {
            await client.DeleteCollectionAsync(collection);
        }
    }

    [Fact]
    public async Task With_export_on_a_marked_failure_goes_to_the_export_buffer_as_a_point_ready_item()
    {
        const string sink = ExportCluster.Sink;
        var cluster = new ExportCluster();
        await cluster.InitializeAsync();
        try
        {
            await cluster.CallOkAsync("register_tool", new { id = sink, description = "test sink", builtin = "test_controllable" });
            await cluster.CallOkAsync("register_tool", new { id = "exported", description = "Analyzes code", quality = 0.9, builtin = "log_batch_writer" });
            await cluster.CallOkAsync("mark_tool_failure", new { tool_id = "exported", scenario = "analyze javascript code", error_message = "boom", severity = "high" });
            await cluster.CallOkAsync("mark_tool_failure", new { tool_id = "exported", scenario = "parse JSON data", severity = "low" });

            var delivered = ControllableTool.For(sink).Delivered;
            Assert.True(await Repo.WaitUntilAsync(() => Task.FromResult(!delivered.IsEmpty), TimeSpan.FromSeconds(30)));
            var (batchId, items) = Assert.Single(delivered);
            Assert.StartsWith("qdrant_failures:", batchId);
            var failures = items.Select(i => JsonSerializer.Deserialize<FailureItem>(i, FailureItem.Json)!).ToList();
            Assert.Equal(["analyze javascript code", "parse JSON data"], failures.Select(f => f.Scenario));
            Assert.All(failures, f => Assert.Equal("exported", f.ToolId));
            Assert.Equal(["high", "low"], failures.Select(f => f.Severity));
            Assert.Equal(384, failures[0].Vector.Length);
            Assert.Equal("exported", QdrantFailurePoints.ToPoint(failures[0]).Payload["tool_id"].StringValue);
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    /// <summary>Failure export on, its buffer handing batches to a test tool standing in for <c>qdrant_batch_update</c>.</summary>
    private sealed class ExportCluster() : ToolGrainsClusterFixture("export")
    {
        public const string Sink = "export_sink";

        protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string> { ["Embeddings"] = "hashing" };

        protected override void ConfigureSilo(ISiloBuilder silo)
        {
            silo.Services.AddSingleton<IBuiltinTool, ControllableTool>();
            silo.Services.Configure<FailureExportOptions>(o => { o.Enabled = true; o.PassThroughTool = Sink; o.MaxSize = 2; });
        }
    }
}
