using Microsoft.Extensions.DependencyInjection;
using ToolGrains.Grains.Usage;
using ToolGrains.Tests.Infrastructure;

namespace ToolGrains.Tests.Buffers;

[Collection(ClusterCollection.Name)]
public sealed class UsageAggregationTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_burst_of_100000_increments_over_10_tools_is_counted_exactly()
    {
        var tools = new List<string>();
        for (var t = 0; t < 10; t++)
        {
            var id = $"burst-{t}-{Guid.NewGuid():N}"[..20];
            await fixture.RegisterAsync(new { id, description = "counted tool", builtin = "noop" });
            tools.Add(id);
        }
        var before = new Dictionary<string, long>();
        foreach (var id in tools) before[id] = (await fixture.Client.GetGrain<IToolReputationGrain>(id).GetStatusAsync()).UsageCount;
        var tracker = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<UsageTracker>();

        // 100,000 counts from 16 threads, far faster than the usage buffer (limit 200 items here) could take them one by one.
        await Task.WhenAll(Enumerable.Range(0, 16).Select(w => Task.Run(async () =>
        {
            for (var i = w; i < 100_000; i += 16) await tracker.TrackAsync(tools[i % 10]);
        })));

        var exact = await Repo.WaitUntilAsync(async () =>
        {
            foreach (var id in tools)
                if ((await fixture.Client.GetGrain<IToolReputationGrain>(id).GetStatusAsync()).UsageCount - before[id] != 10_000) return false;
            return true;
        }, TimeSpan.FromSeconds(60));
        var counts = new List<long>();
        foreach (var id in tools) counts.Add((await fixture.Client.GetGrain<IToolReputationGrain>(id).GetStatusAsync()).UsageCount - before[id]);
        Assert.True(exact, $"usage counts: {string.Join(", ", counts)} (each should be 10000)");
        Assert.Equal(0, tracker.Unwritten);
    }
}
