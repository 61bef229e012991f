using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using ToolGrains.Tests.Infrastructure;

namespace ToolGrains.Tests.Fuzz;

/// <summary>
/// Random JSON at every operation of the protocol: every answer is a result or a clean error (JSON
/// with a code and a message, no exception escaping), the cluster keeps answering, and items a
/// guard buffer acknowledged are all still there afterwards.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ProtocolFuzzTests(ClusterFixture fixture)
{
    private const string Guard = "fuzz-guard";

    private static readonly string[] Operations =
        ["buffer", "register_tool", "tool_status", "mark_tool_failure", "extract_spec_from_file", "resilient_tool_call", "no_such_tool", "", "ünïcode-tool"];

    private static readonly string[] Fields =
    [
        "operation", "buffer_id", "data", "items", "max_size", "flush_interval_seconds", "strategy", "pass_through_tool",
        "tool_id", "scenario", "error_message", "severity", "file_path", "summarize", "max_length", "input_data", "tags",
        "max_attempts", "id", "description", "quality", "builtin", "executable", "http", "settings", "version", "disable_tracking",
    ];

    private static readonly Gen<JsonNode?> Scalar = Gen.Frequency(
        (1, Gen.Bool.Select(_ => (JsonNode?)null)),
        (1, Gen.Bool.Select(b => (JsonNode?)JsonValue.Create(b))),
        (2, Gen.Int.Select(i => (JsonNode?)JsonValue.Create(i))),
        (1, Gen.Double.Select(d => double.IsFinite(d) ? (JsonNode?)JsonValue.Create(d) : JsonValue.Create(0.5))),
        (1, Gen.Long.Select(l => (JsonNode?)JsonValue.Create(l))),
        (2, Gen.OneOf("write", "flush", "status", "clear", "batched", "immediate", "manual", "low", "high", "medium",
                "log_batch_writer", "jsonl_file_writer", Guard, "/etc/hostname", "/", "", " ", "ünïcode ✓ 🚀", "a\u0000b", "../../etc")
            .Select(s => (JsonNode?)JsonValue.Create(s))),
        (2, Gen.String.Select(s => (JsonNode?)JsonValue.Create(s))));

    private static readonly Gen<JsonNode?> Value = Gen.Frequency(
        (6, Scalar),
        (1, Scalar.Array[0, 4].Select(a => (JsonNode?)new JsonArray([.. a]))),
        (1, Gen.Select(Gen.OneOf(Fields), Scalar).Array[0, 3].Select(pairs =>
        {
            var o = new JsonObject();
            foreach (var (k, v) in pairs) o[k] = v;
            return (JsonNode?)o;
        })));

    private static readonly Gen<string> Body = Gen.Frequency(
        (8, Gen.Select(Gen.OneOf(Fields), Value).Array[0, 8].Select(pairs =>
        {
            var o = new JsonObject();
            foreach (var (k, v) in pairs) o[k] = v?.DeepClone();
            return o.ToJsonString();
        })),
        (1, Gen.String),
        (1, Gen.OneOf("", "null", "[]", "{", "{\"operation\":", "42", "\"text\"", "{\"operation\":\"write\",\"buffer_id\":\"x\",\"data\":{\"deep\":" + new string('[', 300))));

    [Fact]
    public async Task Random_requests_get_a_result_or_a_clean_error_and_lose_nothing()
    {
        var guardItems = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            await fixture.CallOkAsync("buffer", JsonSerializer.Serialize(new { operation = "write", buffer_id = Guard, data = i, strategy = "manual" }));
            guardItems.Add(i.ToString());
        }

        var requests = new List<(string Tool, string Body)>();
        Gen.Select(Gen.OneOf(Operations), Body).Sample(r => { lock (requests) requests.Add(r); }, iter: 600, threads: 1);
        // Writes aimed at the guard buffer with every other field random: acknowledged ones must survive.
        Gen.Select(Gen.OneOf(Fields), Value).Array[0, 4].Sample(extra =>
        {
            var o = new JsonObject { ["operation"] = "write", ["buffer_id"] = Guard, ["data"] = "guard" };
            foreach (var (k, v) in extra) if (k is not ("operation" or "buffer_id")) o[k] = v?.DeepClone();
            lock (requests) requests.Add(("buffer", o.ToJsonString()));
        }, iter: 150, threads: 1);

        var protocol = fixture.Client.GetGrain<IProtocolGrain>(0);
        foreach (var (tool, body) in requests)
        {
            ProtocolResponse response;
            try
            {
                response = await protocol.CallAsync(tool, body);
            }
            catch (Exception ex)
            {
                Assert.Fail($"{tool} {body} threw {ex.GetType().Name}: {ex.Message}");
                return;
            }
            using var doc = JsonDocument.Parse(response.Json); // every answer is JSON
            if (response.Error is { } error)
            {
                Assert.False(string.IsNullOrWhiteSpace(error.Code), $"{tool} {body}: empty error code");
                Assert.False(string.IsNullOrWhiteSpace(error.Message), $"{tool} {body}: empty error message");
                Assert.Equal(error.Code, doc.RootElement.GetProperty("error").GetProperty("code").GetString());
                Assert.NotEqual("internal_error", error.Code);
            }
            else if (tool == "buffer" && body.Contains(Guard) && doc.RootElement.TryGetProperty("buffer_id", out var id) && id.GetString() == Guard
                     && doc.RootElement.TryGetProperty("buffered", out _))
            {
                // A write carries one item ("data") or many ("items", which wins when both are given).
                var request = JsonNode.Parse(body)!.AsObject();
                var count = request["items"] is JsonArray items ? items.Count : 1;
                for (var n = 0; n < count; n++) guardItems.Add("acknowledged");
            }
        }

        Assert.True(guardItems.Count > 10, "the fuzzer never got a write to the guard buffer acknowledged");
        // The cluster still answers, and the guard buffer holds exactly what it acknowledged.
        var status = await fixture.CallOkAsync("buffer", JsonSerializer.Serialize(new { operation = "status", buffer_id = Guard }));
        Assert.Equal(guardItems.Count, status.GetProperty("buffered").GetInt32() + status.GetProperty("total_flushed").GetInt32());
    }
}
