using System.Collections.Concurrent;
using System.Diagnostics;
using ToolGrains.Tests.Infrastructure;

namespace ToolGrains.Tests.Processes;

/// <summary>
/// PostgreSQL stopped for 10 s under load, then started again: writes during the outage are refused with
/// storage_unavailable (never acknowledged), every acknowledged item is delivered afterwards, and the
/// silo carries on by itself.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed class PostgresOutageTests
{
    private static string Script => Path.Combine(Repo.Root, "scripts", "postgres.sh");

    [Fact]
    public async Task Writes_during_a_database_outage_are_refused_and_every_acknowledged_item_is_delivered_after_it()
    {
        var dir = Repo.NewTempDir("outage");
        var tools = Directory.CreateDirectory(Path.Combine(dir, "tools")).FullName;
        var output = await JsonlSink.WriteToolAsync(tools, "outage_sink");
        // A server of its own: stopping the shared one would fail the other tests.
        var pgDir = Path.Combine(Repo.NewTempDir("outage-pg"), "pg");
        var started = await ProcessRunner.RunAsync("bash", [Script, "start", pgDir], timeout: TimeSpan.FromMinutes(8));
        Assert.True(started.ExitCode == 0, $"postgres.sh start: {started}");
        var settings = new Dictionary<string, string>
        {
            ["Storage"] = "postgres",
            ["ConnectionString"] = started.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last().Trim(),
            ["AdvertisedIp"] = "127.0.0.1",
            ["ToolsDir"] = tools,
            ["SinkDir"] = tools, // the sink's ./out.jsonl resolves in the sink folder
            ["Buffers:RecoveryReminderPeriod"] = "00:00:02",
        };
        var silo = await SiloProcess.StartAsync(dir, settings);
        try
        {
            var clock = Stopwatch.StartNew();
            long pausedAt = long.MaxValue, resumedAt = long.MaxValue;
            var acknowledged = new ConcurrentDictionary<string, (long Start, long End)>();
            var refused = 0;
            var otherErrors = new ConcurrentQueue<string>();
            await using var client = await ExternalClient.ConnectAsync(silo.GatewayPort);
            using var stop = new CancellationTokenSource();
            // Producers 0-3 call two buffers directly; 4-7 share a third through the client's BufferWriter, whose
            // coalesced calls must be refused and acknowledged item by item just the same.
            var producers = Enumerable.Range(0, 8).Select(p => Task.Run(async () =>
            {
                var buffer = client.Client.GetGrain<IBufferGrain>($"outage-{p % 2}");
                var update = new BufferSettingsUpdate(BufferStrategy.Batched, 25, 1.0, "outage_sink");
                Func<string, Task> write = p < 4
                    ? item => buffer.WriteAsync(new BufferWriteRequest([item], update))
                    : item => client.Writer.WriteAsync("outage-writer", item, update);
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    var item = $"\"p{p}-{i}\"";
                    var start = clock.ElapsedMilliseconds;
                    try
                    {
                        await write(item);
                        acknowledged[item] = (start, clock.ElapsedMilliseconds);
                    }
                    catch (ToolGrainsException ex) when (ex.Code == ErrorCodes.StorageUnavailable)
                    {
                        Interlocked.Increment(ref refused);
                        await Task.Delay(20); // a client's backoff
                    }
                    catch (Exception ex)
                    {
                        otherErrors.Enqueue($"{ex.GetType().Name}: {ex.Message}");
                        await Task.Delay(20);
                    }
                }
            })).ToList();

            Assert.True(await Repo.WaitUntilAsync(() => Task.FromResult(acknowledged.Count >= 300), TimeSpan.FromSeconds(60)), "producers did not get going");
            var paused = await ProcessRunner.RunAsync("bash", [Script, "pause", pgDir], timeout: TimeSpan.FromMinutes(1));
            Assert.True(paused.ExitCode == 0, $"postgres.sh pause: {paused}");
            Interlocked.Exchange(ref pausedAt, clock.ElapsedMilliseconds);
            await Task.Delay(TimeSpan.FromSeconds(10)); // the outage itself: the stimulus, not a wait for a result
            Interlocked.Exchange(ref resumedAt, clock.ElapsedMilliseconds);
            var resumed = await ProcessRunner.RunAsync("bash", [Script, "resume", pgDir], timeout: TimeSpan.FromMinutes(1));
            Assert.True(resumed.ExitCode == 0, $"postgres.sh resume: {resumed}");

            // The silo carries on by itself: writes are acknowledged again without a restart.
            var afterResume = acknowledged.Count;
            Assert.True(await Repo.WaitUntilAsync(() => Task.FromResult(acknowledged.Count >= afterResume + 200), TimeSpan.FromSeconds(60)),
                $"writes were not acknowledged again after the database came back ({acknowledged.Count - afterResume} since); refused {refused}");
            stop.Cancel();
            await Task.WhenAll(producers);

            Assert.True(refused > 0, "no write was refused while the database was down");
            var throughWriter = acknowledged.Where(a => int.Parse(a.Key[2..a.Key.IndexOf('-')]) >= 4).ToList();
            Assert.True(throughWriter.Any(a => a.Value.End < pausedAt) && throughWriter.Any(a => a.Value.Start > resumedAt),
                $"the writer's producers were not acknowledged both before and after the outage ({throughWriter.Count} in all)");
            var duringOutage = acknowledged.Where(a => a.Value.Start > pausedAt && a.Value.End < resumedAt).Select(a => a.Key).ToList();
            Assert.True(duringOutage.Count == 0, $"{duringOutage.Count} writes were acknowledged while the database was down, e.g. {string.Join(", ", duringOutage.Take(5))}");
            Assert.True(otherErrors.IsEmpty, $"writes failed other than with storage_unavailable: {string.Join("; ", otherErrors.Distinct().Take(5))}");

            var delivered = await Repo.WaitUntilAsync(
                () => Task.FromResult(acknowledged.Keys.All(JsonlSink.ReadDelivered(output).ContainsKey)), TimeSpan.FromSeconds(120), TimeSpan.FromMilliseconds(500));
            var seen = JsonlSink.ReadDelivered(output);
            var missing = acknowledged.Keys.Where(k => !seen.ContainsKey(k)).Take(10).ToList();
            Assert.True(delivered, $"{missing.Count}+ acknowledged items never delivered, e.g. {string.Join(", ", missing)}; {acknowledged.Count} acknowledged, {seen.Count} delivered");
            Assert.All(seen, kv => Assert.Single(kv.Value.Distinct()));
            Assert.False(silo.HasExited, "the silo exited");
        }
        finally
        {
            await silo.DisposeAsync();
            await ProcessRunner.RunAsync("bash", [Script, "stop", pgDir], timeout: TimeSpan.FromMinutes(1));
        }
    }
}
