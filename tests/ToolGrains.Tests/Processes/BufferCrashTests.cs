using System.Collections.Concurrent;
using System.Text.Json;
using ToolGrains.Tests.Infrastructure;

namespace ToolGrains.Tests.Processes;

/// <summary>
/// The promise of buffers: a silo killed with SIGKILL midway loses no acknowledged item. Every item a
/// producer saw acknowledged reaches the pass-through file after the restart, with no further write;
/// an item seen twice carries the same batch_id both times (a redelivery, recognisable).
/// </summary>
public abstract class BufferCrashTests
{
    protected abstract Task<Dictionary<string, string>> ProfileAsync(string dir);

    [Fact]
    public async Task Every_acknowledged_item_is_delivered_after_a_kill_and_restart()
    {
        var dir = Repo.NewTempDir("crash");
        var tools = Directory.CreateDirectory(Path.Combine(dir, "tools")).FullName;
        var output = await JsonlSink.WriteToolAsync(tools, "crash_sink");
        var settings = await ProfileAsync(dir);
        settings["ToolsDir"] = tools;
        settings["SinkDir"] = tools; // the sink's ./out.jsonl resolves in the sink folder
        settings["Buffers:RecoveryReminderPeriod"] = "00:00:02";

        var acknowledged = new ConcurrentDictionary<string, bool>();
        var silo = await SiloProcess.StartAsync(dir, settings);
        try
        {
            await using (var client = await ExternalClient.ConnectAsync(silo.GatewayPort))
            {
                using var stop = new CancellationTokenSource();
                var producers = Enumerable.Range(0, 4).Select(p => Task.Run(async () =>
                {
                    var buffer = client.Client.GetGrain<IBufferGrain>($"crash-{p % 2}");
                    var settingsUpdate = new BufferSettingsUpdate(BufferStrategy.Batched, 25, 1.0, "crash_sink");
                    for (var i = 0; !stop.IsCancellationRequested; i++)
                    {
                        var item = $"\"p{p}-{i}\"";
                        try
                        {
                            await buffer.WriteAsync(new BufferWriteRequest([item], settingsUpdate));
                            acknowledged[item] = true;
                        }
                        catch (Exception)
                        {
                            return; // the silo died under this write: it was never acknowledged
                        }
                    }
                })).ToList();
                Assert.True(await Repo.WaitUntilAsync(() => Task.FromResult(acknowledged.Count >= 400), TimeSpan.FromSeconds(60)),
                    "producers did not get going");
                await silo.KillAsync();
                stop.Cancel();
                await Task.WhenAll(producers);
            }
            await silo.DisposeAsync();
            Assert.NotEmpty(acknowledged);

            // Back up on the same endpoint, as a restarted node is: the new generation retires the dead one at once.
            // Nobody writes again: the recovery reminder must bring the buffers back.
            silo = await SiloProcess.StartAsync(dir, settings, silo.SiloPort, silo.GatewayPort, silo.HttpPort);
            var delivered = await Repo.WaitUntilAsync(
                () => Task.FromResult(acknowledged.Keys.All(JsonlSink.ReadDelivered(output).ContainsKey)), TimeSpan.FromSeconds(120), TimeSpan.FromMilliseconds(500));
            var seen = JsonlSink.ReadDelivered(output);
            var missing = acknowledged.Keys.Where(k => !seen.ContainsKey(k)).Take(10).ToList();
            Assert.True(delivered, $"{missing.Count}+ acknowledged items never delivered, e.g. {string.Join(", ", missing)}; {acknowledged.Count} acknowledged, {seen.Count} delivered");
            // A duplicate is a redelivery of the same batch, never the same item in two batches.
            Assert.All(seen, kv => Assert.Single(kv.Value.Distinct()));
        }
        finally
        {
            await silo.DisposeAsync();
        }
    }
}

[Collection(ProcessCollection.Name)]
public sealed class EmbeddedBufferCrashTests : BufferCrashTests
{
    protected override Task<Dictionary<string, string>> ProfileAsync(string dir) =>
        Task.FromResult(new Dictionary<string, string> { ["DataDir"] = Path.Combine(dir, "data") });
}

[Collection(ProcessCollection.Name)]
public sealed class PostgresBufferCrashTests(PostgresServer server) : BufferCrashTests, IClassFixture<PostgresServer>
{
    protected override async Task<Dictionary<string, string>> ProfileAsync(string dir) => new()
    {
        ["Storage"] = "postgres",
        ["ConnectionString"] = await server.CreateDatabaseAsync("crash"),
        ["AdvertisedIp"] = "127.0.0.1",
    };
}
