using ToolGrains.Tests.Infrastructure;

namespace ToolGrains.Tests.Buffers;

/// <summary>A cluster whose buffers may hold a backlog of 20,000 items.</summary>
public sealed class BacklogClusterFixture() : ClusterFixture(20_000);

public sealed class BufferBacklogTests(BacklogClusterFixture fixture) : IClassFixture<BacklogClusterFixture>
{
    [Fact]
    public async Task A_sink_down_while_9000_items_accumulate_gets_them_all_in_order_once_it_is_up()
    {
        var tool = $"down-{Guid.NewGuid():N}"[..20];
        await fixture.RegisterAsync(new { id = tool, description = "test pass-through", builtin = "test_controllable" });
        var sink = ControllableTool.For(tool);
        sink.FailuresLeft = int.MaxValue; // down
        var id = $"backlog-{Guid.NewGuid():N}"[..24];
        var buffer = fixture.Client.GetGrain<IBufferGrain>(id);
        var settings = new BufferSettingsUpdate(BufferStrategy.Batched, 50, 300, tool);
        for (var w = 0; w < 900; w++)
            await buffer.WriteAsync(new BufferWriteRequest([.. Enumerable.Range(w * 10, 10).Select(i => i.ToString())], settings));
        var held = await buffer.GetStatusAsync();
        Assert.Equal(9000, held.Buffered + held.InFlight);
        Assert.Empty(sink.Delivered);
        Assert.True(held.FailedAttempts > 0, "the sink was never tried while down");

        Interlocked.Exchange(ref sink.FailuresLeft, 0); // up
        Assert.True(await Repo.WaitUntilAsync(async () => (await buffer.GetStatusAsync()).TotalFlushed == 9000, TimeSpan.FromSeconds(60)),
            $"delivered {(await buffer.GetStatusAsync()).TotalFlushed} of 9000");

        // Each batch once, or repeated under the same batch_id with the same items; batches in order, items in order.
        var batches = new List<(string BatchId, List<string> Items)>();
        foreach (var (batchId, items) in sink.Delivered)
        {
            var earlier = batches.FindIndex(b => b.BatchId == batchId);
            if (earlier >= 0) Assert.Equal(batches[earlier].Items, items);
            else batches.Add((batchId, items));
        }
        Assert.Equal(batches.Select(b => long.Parse(b.BatchId.Split(':')[1])).Order(), batches.Select(b => long.Parse(b.BatchId.Split(':')[1])));
        Assert.Equal(Enumerable.Range(0, 9000).Select(i => i.ToString()), batches.SelectMany(b => b.Items));
        var status = await buffer.GetStatusAsync();
        Assert.Equal(0, status.Buffered + status.InFlight);
        Assert.Null(status.LastError);
    }
}
