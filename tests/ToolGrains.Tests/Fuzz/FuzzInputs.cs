using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;

namespace ToolGrains.Tests.Fuzz;

/// <summary>
/// The seed of a fuzz run: <c>TOOLGRAINS_FUZZ_SEED</c> when set (to replay a failure), else a new one. Every
/// failure message of a fuzzer carries it, so what a fuzzer finds can be replayed and kept as a regression test.
/// </summary>
public sealed class FuzzSeed
{
    public const string Variable = "TOOLGRAINS_FUZZ_SEED";

    private readonly PCG _random;

    public FuzzSeed(Xunit.Abstractions.ITestOutputHelper output)
    {
        Value = ulong.TryParse(Environment.GetEnvironmentVariable(Variable), out var given) ? given : (ulong)Random.Shared.NextInt64(1, long.MaxValue);
        _random = new PCG(1, Value);
        output.WriteLine(ToString());
    }

    public ulong Value { get; }

    /// <summary><paramref name="count"/> values of <paramref name="gen"/>, the same for the same seed.</summary>
    public List<T> Take<T>(Gen<T> gen, int count) => [.. Enumerable.Range(0, count).Select(_ => gen.Generate(_random, null, out Size _))];

    public override string ToString() => $"fuzz seed {Value} (replay: {Variable}={Value})";
}

/// <summary>Random protocol requests: operation names, field names and JSON values, valid and not.</summary>
internal static class FuzzInputs
{
    /// <summary>A buffer the fuzzers write to on purpose: what it acknowledged must all still be there.</summary>
    public const string Guard = "fuzz-guard";

    public static readonly string[] Operations =
        ["buffer", "register_tool", "tool_status", "mark_tool_failure", "extract_spec_from_file", "resilient_tool_call", "no_such_tool", "", "ünïcode-tool"];

    public static readonly string[] Fields =
    [
        "operation", "buffer_id", "data", "items", "max_size", "flush_interval_seconds", "strategy", "pass_through_tool",
        "tool_id", "scenario", "error_message", "severity", "file_path", "summarize", "max_length", "input_data", "tags",
        "max_attempts", "id", "description", "quality", "builtin", "executable", "http", "settings", "version", "disable_tracking",
    ];

    public static readonly Gen<JsonNode?> Scalar = Gen.Frequency(
        (1, Gen.Bool.Select(_ => (JsonNode?)null)),
        (1, Gen.Bool.Select(b => (JsonNode?)JsonValue.Create(b))),
        (2, Gen.Int.Select(i => (JsonNode?)JsonValue.Create(i))),
        (1, Gen.Double.Select(d => double.IsFinite(d) ? (JsonNode?)JsonValue.Create(d) : JsonValue.Create(0.5))),
        (1, Gen.Long.Select(l => (JsonNode?)JsonValue.Create(l))),
        (2, Gen.OneOf("write", "flush", "status", "clear", "batched", "immediate", "manual", "low", "high", "medium",
                "log_batch_writer", "jsonl_file_writer", Guard, "/etc/hostname", "/", "", " ", "ünïcode ✓ 🚀", "a\u0000b", "../../etc")
            .Select(s => (JsonNode?)JsonValue.Create(s))),
        (2, Gen.String.Select(s => (JsonNode?)JsonValue.Create(s))));

    public static readonly Gen<JsonNode?> Value = Gen.Frequency(
        (6, Scalar),
        (1, Scalar.Array[0, 4].Select(a => (JsonNode?)new JsonArray([.. a]))),
        (1, Gen.Select(Gen.OneOf(Fields), Scalar).Array[0, 3].Select(pairs =>
        {
            var o = new JsonObject();
            foreach (var (k, v) in pairs) o[k] = v;
            return (JsonNode?)o;
        })));

    public static readonly Gen<string> Body = Gen.Frequency(
        (8, Gen.Select(Gen.OneOf(Fields), Value).Array[0, 8].Select(pairs =>
        {
            var o = new JsonObject();
            foreach (var (k, v) in pairs) o[k] = v?.DeepClone();
            return o.ToJsonString();
        })),
        (1, Gen.String),
        (1, Gen.OneOf("", "null", "[]", "{", "{\"operation\":", "42", "\"text\"", "{\"operation\":\"write\",\"buffer_id\":\"x\",\"data\":{\"deep\":" + new string('[', 300))));

    /// <summary>A write to the guard buffer with every other field random, so that some are acknowledged and some refused.</summary>
    public static readonly Gen<string> GuardWrite = Gen.Select(Gen.OneOf(Fields), Value).Array[0, 4].Select(extra =>
    {
        var o = new JsonObject { ["operation"] = "write", ["buffer_id"] = Guard, ["data"] = "guard" };
        foreach (var (k, v) in extra) if (k is not ("operation" or "buffer_id")) o[k] = v?.DeepClone();
        return o.ToJsonString();
    });

    /// <summary>How many items the guard buffer acknowledged with this answer: 0 unless it is a successful write to it.
    /// A write carries one item (<c>data</c>) or many (<c>items</c>, which wins when both are given).</summary>
    public static int AcknowledgedGuardItems(string tool, string requestBody, JsonElement answer)
    {
        if (tool != "buffer" || !requestBody.Contains(Guard, StringComparison.Ordinal) || answer.ValueKind != JsonValueKind.Object
            || !answer.TryGetProperty("buffer_id", out var id) || id.GetString() != Guard || !answer.TryGetProperty("buffered", out _))
            return 0;
        return JsonNode.Parse(requestBody)!.AsObject()["items"] is JsonArray items ? items.Count : 1;
    }
}
