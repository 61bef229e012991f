using System.Collections.Concurrent;
using ToolGrains.Tests.Infrastructure;

namespace ToolGrains.Tests.Processes;

/// <summary>
/// Silo failure on the postgres profile with real processes: a silo killed with SIGKILL under load
/// loses no acknowledged item, its buffers come back on the survivors and flush by themselves, and
/// the client carries on through another gateway. A silo stopped with SIGTERM hands over cleanly.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed class ClusterFailureTests(PostgresServer server) : IClassFixture<PostgresServer>
{
    private async Task<(string Dir, string Output, Dictionary<string, string> Settings)> PrepareAsync(string name)
    {
        var dir = Repo.NewTempDir(name);
        var tools = Directory.CreateDirectory(Path.Combine(dir, "tools")).FullName;
        await File.WriteAllTextAsync(Path.Combine(tools, "sink.yaml"), """
            id: cluster_sink
            description: Appends buffered batches to out.jsonl
            builtin: jsonl_file_writer
            settings:
              path: ./out.jsonl
            """);
        var settings = new Dictionary<string, string>
        {
            ["Storage"] = "postgres",
            ["ConnectionString"] = await server.CreateDatabaseAsync(name),
            ["AdvertisedIp"] = "127.0.0.1",
            ["ToolsDir"] = tools,
            ["Buffers:RecoveryReminderPeriod"] = "00:00:02",
        };
        return (dir, Path.Combine(tools, "out.jsonl"), settings);
    }

    [Fact]
    public async Task A_killed_silo_loses_no_acknowledged_item_and_its_buffers_resume_elsewhere()
    {
        var (dir, output, settings) = await PrepareAsync("kill3");
        var silos = new List<SiloProcess>();
        try
        {
            for (var i = 0; i < 3; i++) silos.Add(await SiloProcess.StartAsync(dir, settings));
            await using var client = await ExternalClient.ConnectAsync([.. silos.Select(s => s.GatewayPort)]);
            Assert.True(await Repo.WaitUntilAsync(async () =>
                (await client.Client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)).Count == 3, TimeSpan.FromSeconds(60)));

            var acknowledged = new ConcurrentDictionary<string, bool>();
            var failures = 0;
            using var stop = new CancellationTokenSource();
            var settingsUpdate = new BufferSettingsUpdate(BufferStrategy.Batched, 20, 1.0, "cluster_sink");
            var producers = Enumerable.Range(0, 8).Select(p => Task.Run(async () =>
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    var item = $"\"p{p}-{i}\"";
                    try
                    {
                        await client.Client.GetGrain<IBufferGrain>($"load-{(p * 7919 + i) % 100}").WriteAsync(new BufferWriteRequest([item], settingsUpdate));
                        acknowledged[item] = true;
                    }
                    catch (Exception)
                    {
                        // In flight on the dead silo: not acknowledged, so not owed. The producer carries on.
                        Interlocked.Increment(ref failures);
                        await Task.Delay(50);
                    }
                }
            })).ToList();

            Assert.True(await Repo.WaitUntilAsync(() => Task.FromResult(acknowledged.Count >= 1500), TimeSpan.FromSeconds(90)), "load did not start");
            await silos[1].KillAsync();
            var atKill = acknowledged.Count;
            // Writes keep being acknowledged through the surviving gateways once the dead silo is voted out.
            Assert.True(await Repo.WaitUntilAsync(() => Task.FromResult(acknowledged.Count >= atKill + 1500), TimeSpan.FromSeconds(120)),
                $"writes did not resume after the kill ({acknowledged.Count - atKill} since, {failures} failed calls)");
            stop.Cancel();
            await Task.WhenAll(producers);

            // No further writes: time flushes and recovery reminders deliver everything that was acknowledged.
            var delivered = await Repo.WaitUntilAsync(() => Task.FromResult(acknowledged.Keys.All(JsonlSink.ReadDelivered(output).ContainsKey)),
                TimeSpan.FromSeconds(150), TimeSpan.FromSeconds(1));
            var seen = JsonlSink.ReadDelivered(output);
            var missing = acknowledged.Keys.Where(k => !seen.ContainsKey(k)).ToList();
            Assert.True(delivered, $"{missing.Count} of {acknowledged.Count} acknowledged items never delivered, e.g. {string.Join(", ", missing.Take(5))}");
            Assert.All(seen, kv => Assert.Single(kv.Value.Distinct()));

            var hosts = await client.Client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
            Assert.Equal(2, hosts.Count);
        }
        finally
        {
            foreach (var silo in silos) await silo.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_silo_stopped_with_SIGTERM_flushes_its_buffers_and_loses_nothing()
    {
        var (dir, output, settings) = await PrepareAsync("term");
        await using var first = await SiloProcess.StartAsync(dir, settings);
        await using var second = await SiloProcess.StartAsync(dir, settings);
        await using var client = await ExternalClient.ConnectAsync(first.GatewayPort, second.GatewayPort);
        Assert.True(await Repo.WaitUntilAsync(async () =>
            (await client.Client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)).Count == 2, TimeSpan.FromSeconds(60)));

        // Pending items that only a flush on deactivation (or a later time flush) would deliver.
        var written = new List<string>();
        var settingsUpdate = new BufferSettingsUpdate(BufferStrategy.Batched, 1000, 3600, "cluster_sink");
        for (var b = 0; b < 20; b++)
            for (var i = 0; i < 5; i++)
            {
                var item = $"\"b{b}-{i}\"";
                await client.Client.GetGrain<IBufferGrain>($"term-{b}").WriteAsync(new BufferWriteRequest([item], settingsUpdate));
                written.Add(item);
            }

        Assert.Equal(0, await second.TerminateAsync(TimeSpan.FromSeconds(45)));

        // Read what storage holds, not what a surviving activation remembers: while silos join, Orleans'
        // directory can briefly allow a second activation of a buffer, which keeps a stale copy in memory
        // until it next writes (refused by its ETag). Collecting idle activations makes the next call read storage.
        await client.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        // Every buffer either flushed all its items as its silo stopped, or still holds them all: none lost.
        var delivered = JsonlSink.ReadDelivered(output);
        Assert.All(delivered.Keys, item => Assert.Contains(item, written));
        var flushedOnStop = 0;
        for (var b = 0; b < 20; b++)
        {
            var status = await client.Client.GetGrain<IBufferGrain>($"term-{b}").GetStatusAsync();
            var deliveredHere = delivered.Keys.Count(k => k.StartsWith($"\"b{b}-", StringComparison.Ordinal));
            Assert.True(5 == deliveredHere + status.Buffered + status.InFlight,
                $"buffer term-{b}: {deliveredHere} delivered, {status.Buffered} pending, {status.InFlight} in flight; stopped silo's log:\n{second.Log}");
            Assert.True(deliveredHere is 0 or 5, $"buffer term-{b} delivered {deliveredHere} of 5");
            if (status.LastFlushReason == "deactivation") flushedOnStop++;
        }
        Assert.True(flushedOnStop > 0, $"no buffer flushed on the stopping silo; silo log:\n{second.Log}");
        Assert.Equal(flushedOnStop * 5, delivered.Count);
    }
}
