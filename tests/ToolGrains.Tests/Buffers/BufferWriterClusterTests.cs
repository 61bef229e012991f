using Microsoft.Extensions.Hosting;
using ToolGrains.Tests.Infrastructure;

namespace ToolGrains.Tests.Buffers;

/// <summary><see cref="BufferWriter"/> against a real cluster: coalesced, durable, in order, and each item answered for itself.</summary>
[Collection(ClusterCollection.Name)]
public sealed class BufferWriterClusterTests(ClusterFixture fixture)
{
    private static readonly BufferSettingsUpdate Queue = new(BufferStrategy.Manual);

    [Fact]
    public async Task Concurrent_writes_share_calls_and_every_acknowledged_item_is_stored_in_each_writers_order()
    {
        var id = $"writer-{Guid.NewGuid():N}"[..24];
        var writer = new BufferWriter(fixture.Client);
        await writer.WriteAsync(id, "\"start\"", Queue);
        await Task.WhenAll(Enumerable.Range(0, 16).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 10; i++) await writer.WriteAsync(id, $"{{\"w\":{w},\"i\":{i}}}", Queue);
        })));

        var flushed = await fixture.Client.GetGrain<IBufferGrain>(id).FlushAsync();
        var items = flushed.Items!.Value.Skip(1).Select(j => System.Text.Json.JsonDocument.Parse(j).RootElement).ToList();
        Assert.Equal(16 * 10, items.Count); // the fixture's buffers hold at most 200
        foreach (var byWriter in items.GroupBy(e => e.GetProperty("w").GetInt32()))
            Assert.Equal(Enumerable.Range(0, 10), byWriter.Select(e => e.GetProperty("i").GetInt32()));
        Assert.True(writer.CallsSent < 16 * 10 / 2, $"{writer.CallsSent} calls for {16 * 10} writes: writes waiting on a call should share the next");
    }

    [Fact]
    public void A_client_whose_writer_limit_is_below_one_is_refused_as_it_is_built()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            builder.UseOrleansClient(client => client.UseToolGrainsClient(o => o.BufferWriter.MaxCharsPerCall = 0)));
        Assert.Contains("BufferWriter:MaxCharsPerCall", error.Message);
    }

    [Fact]
    public async Task A_bad_item_fails_alone_and_the_items_sharing_its_call_are_stored()
    {
        var id = $"writer-{Guid.NewGuid():N}"[..24];
        var writer = new BufferWriter(fixture.Client);
        var first = writer.WriteAsync(id, "0", Queue); // the next three wait for it and share a call (with it or after it)
        var writes = new[] { writer.WriteAsync(id, "1", Queue), writer.WriteAsync(id, "{not json", Queue), writer.WriteAsync(id, "3", Queue) };
        await first;
        await writes[0];
        var refused = await Assert.ThrowsAsync<ToolGrainsException>(() => writes[1]);
        Assert.Equal((ErrorCodes.InvalidRequest, "data"), (refused.Code, refused.Field));
        await writes[2];

        var flushed = await fixture.Client.GetGrain<IBufferGrain>(id).FlushAsync();
        Assert.Equal(["0", "1", "3"], flushed.Items!.Value.ToArray());
    }
}
