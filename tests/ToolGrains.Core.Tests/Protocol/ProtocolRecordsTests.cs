using System.Text.Json;
using ToolGrains.Core.Protocol;

namespace ToolGrains.Core.Tests.Protocol;

/// <summary>The protocol's request records and its one serializer, without a cluster.</summary>
public sealed class ProtocolRecordsTests
{
    private static ToolGrainsException Refused(Action action) => Assert.Throws<ToolGrainsException>(action);

    [Theory]
    [InlineData("""{"operation":"write","max_size":"5"}""", "max_size", "'max_size' must be an integer, not \"5\".")]
    [InlineData("""{"operation":"write","max_size":2.5}""", "max_size", "'max_size' must be an integer, not 2.5.")]
    [InlineData("""{"operation":"write","flush_interval_seconds":"soon"}""", "flush_interval_seconds", "'flush_interval_seconds' must be a number, not \"soon\".")]
    [InlineData("""{"operation":7}""", "operation", "'operation' must be a string, not 7.")]
    [InlineData("""{"items":{"a":1}}""", "items", "'items' must be an array of JSON values, not {\"a\":1}.")]
    public void A_field_of_the_wrong_type_is_invalid_request_naming_it(string json, string field, string message)
    {
        var e = Refused(() => JsonRequest.Parse(json).Read<BufferRequest>());
        Assert.Equal((ErrorCodes.InvalidRequest, field, message), (e.Code, e.Field, e.Message));
    }

    [Fact]
    public void An_element_of_the_wrong_type_names_its_array()
    {
        var e = Refused(() => JsonRequest.Parse("""{"tags":["a",1]}""").Read<ResilientToolCallRequest>());
        Assert.Equal((ErrorCodes.InvalidRequest, "tags"), (e.Code, e.Field));
        Assert.Contains("an array of strings", e.Message);
        Assert.Equal("disable_tracking", Refused(() => JsonRequest.Parse("""{"disable_tracking":"yes"}""").Read<ToolCallRequest>()).Field);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("[1]")]
    [InlineData("{\"a\":")]
    public void A_body_that_is_not_one_object_is_refused_without_a_field(string json)
    {
        var e = Refused(() => JsonRequest.Parse(json));
        Assert.Equal((ErrorCodes.InvalidRequest, null), (e.Code, e.Field));
    }

    [Fact]
    public void Unknown_fields_are_ignored_and_null_is_absent()
    {
        var r = JsonRequest.Parse("""{"operation":"status","buffer_id":null,"whatever":[1,2]}""").Read<BufferRequest>();
        Assert.Equal(("status", null), (r.Operation, r.BufferId));
        Assert.Equal("'buffer_id' is required and must be a non-empty string.", Refused(() => JsonRequest.Required(r.BufferId, "buffer_id")).Message);
    }

    [Fact]
    public void A_write_takes_data_or_items_and_names_the_strategy()
    {
        var one = JsonRequest.Parse("""{"data":{"n":1},"strategy":"manual","max_size":5}""").Read<BufferRequest>().ToWriteRequest();
        Assert.Equal(["""{"n":1}"""], one.Items.ToArray());
        Assert.Equal(new BufferSettingsUpdate(BufferStrategy.Manual, 5), one.Settings);
        // data null is an item (the JSON null); no data at all is not.
        Assert.Equal(["null"], JsonRequest.Parse("""{"data":null}""").Read<BufferRequest>().ToWriteRequest().Items.ToArray());
        Assert.Equal(["1", "\"two\""], JsonRequest.Parse("""{"items":[1,"two"],"data":3}""").Read<BufferRequest>().ToWriteRequest().Items.ToArray());
        Assert.Equal("data", Refused(() => new BufferRequest("write").ToWriteRequest()).Field);
        Assert.Equal("items", Refused(() => JsonRequest.Parse("""{"items":[]}""").Read<BufferRequest>().ToWriteRequest()).Field);
        var strategy = Refused(() => new BufferRequest("write", "b", JsonDocument.Parse("1").RootElement, Strategy: "eventually").ToWriteRequest());
        Assert.Equal(("strategy", "Unknown strategy 'eventually'; expected batched, immediate or manual."), (strategy.Field, strategy.Message));
    }

    [Fact]
    public void An_item_as_deep_as_a_body_may_be_is_read()
    {
        var deep = new string('[', 120) + new string(']', 120);
        var write = JsonRequest.Parse($$"""{"data":{{deep}}}""").Read<BufferRequest>().ToWriteRequest();
        Assert.Equal(deep, write.Items[0]);
    }

    [Fact]
    public void A_resilient_call_needs_input_data_and_tags()
    {
        Assert.Equal("input_data", Refused(() => JsonRequest.Parse("""{"scenario":"x","tags":[]}""").Read<ResilientToolCallRequest>().ToInvokerRequest()).Field);
        Assert.Equal("input_data", Refused(() => JsonRequest.Parse("""{"scenario":"x","tags":[],"input_data":null}""").Read<ResilientToolCallRequest>().ToInvokerRequest()).Field);
        Assert.Equal("tags", Refused(() => JsonRequest.Parse("""{"scenario":"x","input_data":{}}""").Read<ResilientToolCallRequest>().ToInvokerRequest()).Field);
        var call = JsonRequest.Parse("""{"scenario":"x","input_data":{"a":[1]},"tags":["t"],"deadline_seconds":2,"disable_tracking":true}""")
            .Read<ResilientToolCallRequest>().ToInvokerRequest();
        Assert.Equal(("x", """{"a":[1]}""", 5, new ResilientCallOptions(2, true)), (call.Scenario, call.InputJson, call.MaxAttempts, call.Options));
        Assert.Equal(["t"], call.Tags.ToArray());
    }

    [Theory]
    [InlineData("""{"tool_id":"t","increment":3}""", "t", 3L, null)]
    [InlineData("""{"tool_id":"t"}""", "t", 1L, null)]
    [InlineData("""{"tool_id":"t","increment":0}""", null, null, "t: increment is not a positive integer")]
    [InlineData("""{"tool_id":"t","increment":"x"}""", null, null, "an item whose increment is not a positive integer")]
    [InlineData("""{"increment":2}""", null, null, "an item without a tool_id")]
    [InlineData("""{"tool_id":5}""", null, null, "an item without a tool_id")]
    [InlineData("""[1]""", null, null, "an item without a tool_id")]
    public void Usage_items_are_read_or_skipped_with_why(string json, string? tool, long? increment, string? skipped)
    {
        var item = UsageItem.Read(JsonDocument.Parse(json).RootElement, out var why);
        Assert.Equal((tool, increment, skipped), (item?.ToolId, item?.Increment, why));
        if (item is not null) Assert.Equal(json.Contains("increment") ? json : """{"tool_id":"t","increment":1}""", ProtocolJson.Serialize(item));
    }

    [Fact]
    public void The_serializer_writes_raw_items_readable_text_and_fields_only_when_present()
    {
        Assert.Equal("""{"error":{"code":"invalid_request","message":"it's café"}}""", ProtocolJson.Error(ErrorCodes.InvalidRequest, "it's café", null));
        Assert.Equal("""{"error":{"code":"tool_not_found","message":"m","field":"tool"}}""", ProtocolJson.Error(ErrorCodes.ToolNotFound, "m", "tool"));
        Assert.Equal("""{"buffer_id":"b","flushed_count":2,"batch_id":null,"items":[{"a":1},"x"]}""",
            ProtocolJson.Serialize(BufferFlushResponse.From(new BufferFlushResult("b", 2, null, ["""{"a":1}""", "\"x\""]))));
        Assert.Equal("""{"buffer_id":"b","flushed_count":0,"batch_id":"b:1"}""",
            ProtocolJson.Serialize(BufferFlushResponse.From(new BufferFlushResult("b", 0, "b:1", null))));
        var attempt = new InvocationAttempt("t", 0.5, 0.5, 0, 1, "success", null, 3, null, false);
        Assert.Equal("""{"success":true,"tool_id":"t","result":{"ok":1},"candidates":1,"forced":false,"attempts":[{"tool_id":"t","score":0.5,"similarity":0.5,"failure_demotion":0,"quality":1,"outcome":"success","error":null,"duration_ms":3,"severity":null,"negative_tag_hit":false,"error_kind":null,"breaker":"closed"}]}""",
            ProtocolJson.Serialize(ResilientCallResponse.From(new ResilientCallResult(true, "t", """{"ok":1}""", [attempt], 1))));
        Assert.Contains("\"forced\":true,\"retry_after_seconds\":2}", ProtocolJson.Serialize(AttemptResponse.From(attempt with { Forced = true, RetryAfterSeconds = 2 })));
    }
}
