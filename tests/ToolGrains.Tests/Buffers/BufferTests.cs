using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Core.Internal;
using Orleans.Runtime;
using ToolGrains.Tests.Infrastructure;

namespace ToolGrains.Tests.Buffers;

[Collection(ClusterCollection.Name)]
public sealed class BufferTests(ClusterFixture fixture)
{
    private static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..24];

    private async Task<(string ToolId, string File)> JsonlToolAsync()
    {
        var toolId = NewId("jsonl");
        var file = Path.Combine(fixture.DataDir, toolId + ".jsonl");
        await fixture.RegisterAsync(new { id = toolId, description = "writes batches to a JSONL file", builtin = "jsonl_file_writer", settings = new { path = toolId + ".jsonl" } }); // relative: inside the sink folder
        return (toolId, file);
    }

    private async Task<string> ControllableToolAsync()
    {
        var toolId = NewId("ctl");
        await fixture.RegisterAsync(new { id = toolId, description = "test pass-through", builtin = "test_controllable" });
        return toolId;
    }

    private static string Write(string bufferId, object data, object? settings = null)
    {
        var fields = new Dictionary<string, object?> { ["operation"] = "write", ["buffer_id"] = bufferId, ["data"] = data };
        if (settings is not null)
            foreach (var p in JsonSerializer.SerializeToElement(settings).EnumerateObject()) fields[p.Name] = p.Value;
        return JsonSerializer.Serialize(fields);
    }

    private static string Op(string operation, string bufferId) => JsonSerializer.Serialize(new { operation, buffer_id = bufferId });

    private static string[] Lines(string file) => JsonlSink.ReadLines(file);

    [Fact]
    public async Task A_busy_buffer_keeps_one_recovery_reminder_and_drops_it_when_it_deactivates_drained()
    {
        var (tool, file) = await JsonlToolAsync();
        var id = NewId("reminder");
        var buffer = fixture.Client.GetGrain<IBufferGrain>(id);
        var reminders = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<IReminderTable>();
        var grainId = buffer.GetGrainId();

        await buffer.WriteAsync(new BufferWriteRequest(["0"], new BufferSettingsUpdate(BufferStrategy.Batched, 1, 60, tool)));
        var registered = await reminders.ReadRow(grainId, "buffer-recovery");
        Assert.NotNull(registered); // before the item was acknowledged
        // Twenty batches, each delivered before the next write (polled every 5 ms, so all inside the 2 s reminder
        // period, whose tick would remove the reminder of a drained buffer): the reminder
        // stays as it was. Removing it after each drained batch and adding it at the next write cost two
        // reminder-table writes per batch.
        for (var i = 1; i < 20; i++)
        {
            await buffer.WriteAsync(new BufferWriteRequest([i.ToString()]));
            Assert.True(await Repo.WaitUntilAsync(() => Task.FromResult(Lines(file).Length == i + 1), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(5)));
        }
        Assert.Equal(registered.ETag, (await reminders.ReadRow(grainId, "buffer-recovery"))?.ETag);

        // Drained and deactivated: the reminder goes, so an idle buffer costs nothing.
        await buffer.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        Assert.True(await Repo.WaitUntilAsync(async () => await reminders.ReadRow(grainId, "buffer-recovery") is null, TimeSpan.FromSeconds(10)),
            "the drained buffer kept its reminder after deactivating");
    }

    [Fact]
    public async Task Size_flush_seals_a_batch_at_max_size()
    {
        var (tool, file) = await JsonlToolAsync();
        var id = NewId("size");
        var settings = new { max_size = 5, flush_interval_seconds = 300.0, pass_through_tool = tool };
        for (var i = 1; i <= 4; i++)
        {
            var r = await fixture.CallOkAsync("buffer", Write(id, new { n = i }, settings));
            Assert.Equal(i, r.GetProperty("buffered").GetInt32());
            Assert.False(r.GetProperty("flushed").GetBoolean());
            Assert.Equal(0, r.GetProperty("flushed_count").GetInt32());
        }
        var fifth = await fixture.CallOkAsync("buffer", Write(id, new { n = 5 }));
        Assert.True(fifth.GetProperty("flushed").GetBoolean());
        Assert.Equal(5, fifth.GetProperty("flushed_count").GetInt32());
        Assert.Equal(0, fifth.GetProperty("buffered").GetInt32());
        var sixth = await fixture.CallOkAsync("buffer", Write(id, new { n = 6 }));
        Assert.Equal(1, sixth.GetProperty("buffered").GetInt32());
        Assert.False(sixth.GetProperty("flushed").GetBoolean());

        Assert.True(await Repo.WaitUntilAsync(() => Task.FromResult(Lines(file).Length == 5), TimeSpan.FromSeconds(10)));
        var lines = Lines(file).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.All(lines, l => Assert.Equal($"{id}:1", l.GetProperty("batch_id").GetString()));
        Assert.Equal([1, 2, 3, 4, 5], lines.Select(l => l.GetProperty("item").GetProperty("n").GetInt32()));
        var status = await fixture.CallOkAsync("buffer", Op("status", id));
        Assert.Equal("size", status.GetProperty("last_flush_reason").GetString());
        Assert.Equal(5, status.GetProperty("total_flushed").GetInt64());
    }

    [Fact]
    public async Task Time_flush_delivers_without_a_further_write()
    {
        var (tool, file) = await JsonlToolAsync();
        var id = NewId("time");
        for (var i = 0; i < 3; i++)
            await fixture.CallOkAsync("buffer", Write(id, new { n = i }, new { max_size = 100, flush_interval_seconds = 2.0, pass_through_tool = tool }));
        var before = await fixture.CallOkAsync("buffer", Op("status", id));
        Assert.Equal(3, before.GetProperty("buffered").GetInt32());

        Assert.True(await Repo.WaitUntilAsync(() => Task.FromResult(Lines(file).Length == 3), TimeSpan.FromSeconds(15)),
            "the three items were not flushed by age");
        var status = await fixture.CallOkAsync("buffer", Op("status", id));
        Assert.Equal("time", status.GetProperty("last_flush_reason").GetString());
        Assert.Equal(0, status.GetProperty("buffered").GetInt32());
        Assert.Equal(JsonValueKind.Null, status.GetProperty("oldest_item_age_seconds").ValueKind);
    }

    [Fact]
    public async Task The_flush_clock_is_the_age_of_the_oldest_item_not_a_debounce()
    {
        var (tool, file) = await JsonlToolAsync();
        var id = NewId("clock");
        var started = DateTime.UtcNow;
        // A steady trickle faster than the interval would postpone a debounce forever.
        while (Lines(file).Length == 0 && DateTime.UtcNow - started < TimeSpan.FromSeconds(15))
        {
            await fixture.CallOkAsync("buffer", Write(id, new { t = DateTime.UtcNow }, new { max_size = 1000, flush_interval_seconds = 1.5, pass_through_tool = tool }));
            await Task.Delay(200);
        }
        Assert.NotEmpty(Lines(file));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(6), "flush waited for the writes to stop");
    }

    [Fact]
    public async Task Status_reports_settings_and_counters()
    {
        var tool = await ControllableToolAsync();
        var id = NewId("status");
        await fixture.CallOkAsync("buffer", Write(id, "first", new { max_size = 3, flush_interval_seconds = 120.0, strategy = "batched", pass_through_tool = tool }));
        await fixture.CallOkAsync("buffer", Write(id, new[] { 1, 2 }));
        await fixture.CallOkAsync("buffer", Write(id, "x"));
        var s = await fixture.CallOkAsync("buffer", Op("status", id));
        Assert.Equal(id, s.GetProperty("buffer_id").GetString());
        Assert.Equal("batched", s.GetProperty("strategy").GetString());
        Assert.Equal(3, s.GetProperty("max_size").GetInt32());
        Assert.Equal(120.0, s.GetProperty("flush_interval_seconds").GetDouble());
        Assert.Equal(tool, s.GetProperty("pass_through_tool").GetString());
        Assert.Equal(3, s.GetProperty("total_written").GetInt64());
        Assert.True(await Repo.WaitUntilAsync(async () =>
            (await fixture.CallOkAsync("buffer", Op("status", id))).GetProperty("total_flushed").GetInt64() == 3, TimeSpan.FromSeconds(10)));
        s = await fixture.CallOkAsync("buffer", Op("status", id));
        Assert.Equal(1, s.GetProperty("batches_flushed").GetInt64());
        Assert.Equal(0, s.GetProperty("buffered").GetInt32());
        Assert.Equal(0, s.GetProperty("in_flight").GetInt32());
        Assert.NotEqual(JsonValueKind.Null, s.GetProperty("last_flush_at").ValueKind);
        Assert.Equal(JsonValueKind.Null, s.GetProperty("last_error").ValueKind);
    }

    [Fact]
    public async Task Manual_flush_without_a_tool_drains_and_returns_the_items()
    {
        var id = NewId("queue");
        await fixture.CallOkAsync("buffer", Write(id, new { job = 1 }, new { strategy = "manual" }));
        await fixture.CallOkAsync("buffer", Write(id, new { job = 2, text = "ünïcode ✓" }));
        var flush = await fixture.CallOkAsync("buffer", Op("flush", id));
        Assert.Equal(2, flush.GetProperty("flushed_count").GetInt32());
        Assert.Equal($"{id}:1", flush.GetProperty("batch_id").GetString());
        var items = flush.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(1, items[0].GetProperty("job").GetInt32());
        Assert.Equal("ünïcode ✓", items[1].GetProperty("text").GetString());
        var again = await fixture.CallOkAsync("buffer", Op("flush", id));
        Assert.Equal(0, again.GetProperty("flushed_count").GetInt32());
        var status = await fixture.CallOkAsync("buffer", Op("status", id));
        Assert.Equal("manual", status.GetProperty("last_flush_reason").GetString());
    }

    [Fact]
    public async Task Manual_flush_with_a_tool_delivers_only_on_flush()
    {
        var (tool, file) = await JsonlToolAsync();
        var id = NewId("manual");
        for (var i = 0; i < 7; i++)
            await fixture.CallOkAsync("buffer", Write(id, i, new { strategy = "manual", max_size = 2, flush_interval_seconds = 0.2, pass_through_tool = tool }));
        var status = await fixture.CallOkAsync("buffer", Op("status", id));
        Assert.Equal(7, status.GetProperty("buffered").GetInt32());
        Assert.Empty(Lines(file));
        var flush = await fixture.CallOkAsync("buffer", Op("flush", id));
        Assert.Equal(7, flush.GetProperty("flushed_count").GetInt32());
        Assert.Equal(7, Lines(file).Length);
    }

    [Fact]
    public async Task Immediate_delivers_before_acknowledging()
    {
        var (tool, file) = await JsonlToolAsync();
        var id = NewId("imm");
        var r = await fixture.CallOkAsync("buffer", Write(id, new { now = true }, new { strategy = "immediate", pass_through_tool = tool }));
        Assert.True(r.GetProperty("flushed").GetBoolean());
        Assert.Equal(1, r.GetProperty("flushed_count").GetInt32());
        Assert.Single(Lines(file));
    }

    [Fact]
    public async Task Clear_drops_pending_items()
    {
        var id = NewId("clear");
        for (var i = 0; i < 4; i++) await fixture.CallOkAsync("buffer", Write(id, i, new { strategy = "manual" }));
        var clear = await fixture.CallOkAsync("buffer", Op("clear", id));
        Assert.Equal(4, clear.GetProperty("cleared_count").GetInt32());
        Assert.Equal(0, (await fixture.CallOkAsync("buffer", Op("status", id))).GetProperty("buffered").GetInt32());
    }

    [Fact]
    public async Task A_failing_pass_through_is_retried_with_backoff_and_nothing_is_lost()
    {
        var tool = await ControllableToolAsync();
        var behaviour = ControllableTool.For(tool);
        behaviour.FailuresLeft = 3;
        var id = NewId("flaky");
        for (var i = 0; i < 10; i++)
            await fixture.CallOkAsync("buffer", Write(id, i, new { max_size = 5, flush_interval_seconds = 300.0, pass_through_tool = tool }));

        Assert.True(await Repo.WaitUntilAsync(async () =>
            (await fixture.CallOkAsync("buffer", Op("status", id))).GetProperty("last_error").ValueKind == JsonValueKind.String, TimeSpan.FromSeconds(10)));
        var failing = await fixture.CallOkAsync("buffer", Op("status", id));
        Assert.Contains("planned failure", failing.GetProperty("last_error").GetString());
        Assert.True(failing.GetProperty("in_flight").GetInt32() > 0);

        Assert.True(await Repo.WaitUntilAsync(async () =>
            (await fixture.CallOkAsync("buffer", Op("status", id))).GetProperty("total_flushed").GetInt64() == 10, TimeSpan.FromSeconds(20)));
        var delivered = behaviour.Delivered.SelectMany(b => b.Items).Select(int.Parse).Order().ToList();
        Assert.Equal(Enumerable.Range(0, 10), delivered);
        Assert.True(behaviour.Calls >= 5, $"expected 3 failed + 2 good calls, saw {behaviour.Calls}");
        Assert.Equal([$"{id}:1", $"{id}:2"], behaviour.Delivered.Select(b => b.BatchId));
        Assert.Equal(JsonValueKind.Null, (await fixture.CallOkAsync("buffer", Op("status", id))).GetProperty("last_error").ValueKind);
    }

    [Fact]
    public async Task A_hanging_pass_through_does_not_stall_writers_until_the_buffer_is_full()
    {
        var tool = await ControllableToolAsync();
        var behaviour = ControllableTool.For(tool);
        behaviour.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var id = NewId("hang");
        var acknowledged = 0;
        JsonElement refused = default;
        for (var i = 0; i < ClusterFixture.MaxBufferedItems + 5; i++)
        {
            var r = await fixture.CallAsync("buffer", Write(id, i, new { max_size = 10, flush_interval_seconds = 300.0, pass_through_tool = tool }));
            if (r.TryGetProperty("error", out var error)) { refused = error; break; }
            acknowledged++;
        }
        Assert.Equal(ClusterFixture.MaxBufferedItems, acknowledged);
        Assert.Equal("buffer_full", refused.GetProperty("code").GetString());
        var status = await fixture.CallOkAsync("buffer", Op("status", id));
        Assert.Equal(ClusterFixture.MaxBufferedItems, status.GetProperty("in_flight").GetInt32() + status.GetProperty("buffered").GetInt32());

        behaviour.Gate.SetResult();
        Assert.True(await Repo.WaitUntilAsync(async () =>
            (await fixture.CallOkAsync("buffer", Op("status", id))).GetProperty("total_flushed").GetInt64() == ClusterFixture.MaxBufferedItems, TimeSpan.FromSeconds(20)));
        Assert.Equal(Enumerable.Range(0, ClusterFixture.MaxBufferedItems), behaviour.Delivered.SelectMany(b => b.Items).Select(int.Parse).Order());
    }

    [Fact]
    public async Task A_batch_of_items_in_one_call_is_acknowledged_together()
    {
        var id = NewId("many");
        var r = await fixture.CallOkAsync("buffer", JsonSerializer.Serialize(new { operation = "write", buffer_id = id, items = new object[] { 1, "two", new { three = 3 } }, strategy = "manual" }));
        Assert.Equal(3, r.GetProperty("buffered").GetInt32());
    }

    // Requests refused before they reach the buffer (wrong types, no operation, not a JSON object) are in
    // ProtocolRecordsTests (Core) and ProtocolAdapterTests; these reach the grain.
    public static TheoryData<string, string, string?> BadRequests => new()
    {
        { """{"operation":"write","data":1}""", "invalid_request", "buffer_id" },
        { """{"operation":"write","buffer_id":"   ","data":1}""", "invalid_request", "buffer_id" },
        { """{"operation":"write","buffer_id":"BUF","data":1,"strategy":"eventually"}""", "invalid_request", "strategy" },
        { """{"operation":"write","buffer_id":"BUF","data":1,"flush_interval_seconds":1e400}""", "invalid_request", "flush_interval_seconds" },
        { """{"operation":"write","buffer_id":"BUF","data":1,"pass_through_tool":"no_such_tool_anywhere"}""", "tool_not_found", "pass_through_tool" },
        { """{"operation":"write","buffer_id":"BUF","data":1,"strategy":"batched"}""", "invalid_request", "pass_through_tool" },
        { """{"operation":"write","buffer_id":"BUF"}""", "invalid_request", "data" },
        { """{"operation":"write","buffer_id":"BUF","items":[]}""", "invalid_request", "items" },
        { """{"operation":"write","buffer_id":"BUF","data":"BIG"}""", "item_too_large", "data" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Bad_input_is_refused_with_the_field_named_and_nothing_buffered_is_lost(string template, string code, string? field)
    {
        var id = NewId("bad");
        // A queue with two items that no bad request may disturb.
        await fixture.CallOkAsync("buffer", Write(id, "keep-1", new { strategy = "manual" }));
        await fixture.CallOkAsync("buffer", Write(id, "keep-2"));

        var request = template.Replace("BUF", id).Replace("\"BIG\"", JsonSerializer.Serialize(new string('x', 5000)));
        var response = await fixture.CallAsync("buffer", request);
        Assert.True(response.TryGetProperty("error", out var error), $"expected an error for {template}, got {response}");
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        if (field is null) Assert.False(error.TryGetProperty("field", out _));
        else Assert.Equal(field, error.GetProperty("field").GetString());

        var flush = await fixture.CallOkAsync("buffer", Op("flush", id));
        Assert.Equal(["\"keep-1\"", "\"keep-2\""], flush.GetProperty("items").EnumerateArray().Select(i => i.GetRawText()));
    }

    [Fact]
    public async Task A_typed_write_without_items_or_request_is_refused_naming_data()
    {
        var buffer = fixture.Client.GetGrain<IBufferGrain>(NewId("typed"));
        foreach (var request in new BufferWriteRequest[] { null!, new(default, new BufferSettingsUpdate(BufferStrategy.Manual)), new([], null) })
        {
            var refused = await Assert.ThrowsAsync<ToolGrainsException>(() => buffer.WriteAsync(request));
            Assert.Equal((ErrorCodes.InvalidRequest, "data"), (refused.Code, refused.Field));
        }
        Assert.Equal(0, (await buffer.GetStatusAsync()).Buffered);
    }

    [Fact]
    public async Task Concurrent_writers_share_storage_writes()
    {
        var id = NewId("group");
        var writes = Enumerable.Range(0, 100).Select(i => fixture.Client.GetGrain<IBufferGrain>(id)
            .WriteAsync(new BufferWriteRequest([i.ToString()], new BufferSettingsUpdate(Strategy: BufferStrategy.Manual))));
        await Task.WhenAll(writes);
        var flushed = await fixture.Client.GetGrain<IBufferGrain>(id).FlushAsync();
        Assert.Equal(100, flushed.FlushedCount);
        Assert.Equal(Enumerable.Range(0, 100), flushed.Items!.Value.Select(int.Parse).Order());
    }
}

[Collection(ClusterCollection.Name)]
public sealed class BufferDeactivationTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_deactivating_buffer_flushes_its_pending_items()
    {
        var toolId = $"deact-{Guid.NewGuid():N}"[..20];
        await fixture.RegisterAsync(new { id = toolId, description = "test pass-through", builtin = "test_controllable" });
        var id = $"deact-{Guid.NewGuid():N}"[..24];
        var buffer = fixture.Client.GetGrain<IBufferGrain>(id);
        await buffer.WriteAsync(new BufferWriteRequest(["1", "2", "3"], new BufferSettingsUpdate(BufferStrategy.Batched, 100, 3600, toolId)));

        await fixture.Cluster.DeactivateAsync(buffer);

        var behaviour = ControllableTool.For(toolId);
        Assert.True(await Repo.WaitUntilAsync(() => Task.FromResult(behaviour.Delivered.Count == 1), TimeSpan.FromSeconds(10)));
        Assert.Equal(["1", "2", "3"], behaviour.Delivered.Single().Items);
        var status = await buffer.GetStatusAsync(); // a new activation, from storage
        Assert.Equal("deactivation", status.LastFlushReason);
        Assert.Equal(0, status.Buffered + status.InFlight);
    }

}


/// <summary>A cluster whose failed batches and recovery reminders wait ten minutes: only a deactivation can deliver sooner.</summary>
public sealed class SlowRetryClusterFixture() : ClusterFixture(MaxBufferedItems, new Dictionary<string, string>
{
    ["Buffers:RetryInitialDelay"] = "00:10:00",
    ["Buffers:RetryMaxDelay"] = "00:10:00",
    ["Buffers:RecoveryReminderPeriod"] = "00:10:00",
});

public sealed class BufferRetryDeactivationTests(SlowRetryClusterFixture fixture) : IClassFixture<SlowRetryClusterFixture>
{
    [Fact]
    public async Task A_deactivating_buffer_delivers_a_sealed_batch_that_waits_for_its_retry()
    {
        var toolId = $"retry-{Guid.NewGuid():N}"[..20];
        await fixture.RegisterAsync(new { id = toolId, description = "test pass-through", builtin = "test_controllable" });
        var sink = ControllableTool.For(toolId);
        sink.FailuresLeft = 1;
        var buffer = fixture.Client.GetGrain<IBufferGrain>($"retry-{Guid.NewGuid():N}"[..24]);
        await buffer.WriteAsync(new BufferWriteRequest(["1", "2"], new BufferSettingsUpdate(BufferStrategy.Batched, 2, 3600, toolId)));
        // Sealed by size, refused once: nothing is pending, and the next try is ten minutes away.
        Assert.True(await Repo.WaitUntilAsync(async () => (await buffer.GetStatusAsync()).FailedAttempts == 1, TimeSpan.FromSeconds(10)));
        var held = await buffer.GetStatusAsync();
        Assert.Equal((0, 2), (held.Buffered, held.InFlight));

        await fixture.Cluster.DeactivateAsync(buffer);

        Assert.True(await Repo.WaitUntilAsync(() => Task.FromResult(sink.Delivered.Count == 1), TimeSpan.FromSeconds(10)),
            "the sealed batch was left for the retry or the reminder, ten minutes later");
        Assert.Equal(["1", "2"], sink.Delivered.Single().Items);
    }
}

[Collection(ClusterCollection.Name)]
public sealed class BufferMigrationTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_buffer_stored_the_old_way_is_moved_into_the_item_store_with_its_batch_ids_and_nothing_lost()
    {
        var toolId = $"legacy-{Guid.NewGuid():N}"[..20];
        await fixture.RegisterAsync(new { id = toolId, description = "test pass-through", builtin = "test_controllable" });
        var id = $"legacy-{Guid.NewGuid():N}"[..24];
        var buffer = fixture.Client.GetGrain<IBufferGrain>(id);
        var storage = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<Orleans.Storage.IGrainStorage>(ToolGrains.Grains.StorageNames.Default);
        var old = new ToolGrains.Grains.Buffers.BufferState
        {
            Strategy = BufferStrategy.Batched, MaxSize = 100, FlushIntervalSeconds = 3600, PassThroughTool = toolId, Configured = true,
            Pending = ["4", "5"], PendingSince = DateTimeOffset.UtcNow,
            InFlight = [new() { BatchId = $"{id}:7", Items = ["1", "2", "3"], Reason = "size" }],
            InFlightItems = 3, NextSequence = 8, TotalWritten = 5,
        };
        await storage.WriteStateAsync("buffer", buffer.GetGrainId(), new GrainState<ToolGrains.Grains.Buffers.BufferState>(old));

        var status = await buffer.GetStatusAsync();
        Assert.Equal(2, status.Buffered);
        Assert.Equal(3, status.InFlight);
        Assert.Equal(5, status.TotalWritten);
        var flush = await buffer.FlushAsync();
        Assert.Equal($"{id}:8", flush.BatchId); // numbering continues after the old batch ids
        var sink = ControllableTool.For(toolId);
        Assert.Equal([($"{id}:7", "1,2,3"), ($"{id}:8", "4,5")], sink.Delivered.Select(b => (b.BatchId, string.Join(",", b.Items))));

        var cleared = new GrainState<ToolGrains.Grains.Buffers.BufferState>(new());
        await storage.ReadStateAsync("buffer", buffer.GetGrainId(), cleared);
        Assert.False(cleared.RecordExists);
    }
}
