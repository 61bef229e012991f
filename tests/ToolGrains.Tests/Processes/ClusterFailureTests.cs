using Xunit.Abstractions;
using System.Collections.Concurrent;
using ToolGrains.Tests.Infrastructure;

namespace ToolGrains.Tests.Processes;

/// <summary>
/// Silo failure on the postgres profile with real processes: a silo killed with SIGKILL under load
/// loses no acknowledged item, its buffers come back on the survivors and flush by themselves, and
/// the client carries on through another gateway. A silo stopped with SIGTERM hands over cleanly.
/// </summary>
[Collection(ProcessCollection.Name), System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ClusterFailureTests(PostgresServer server, ITestOutputHelper testOutput) : IClassFixture<PostgresServer>
{
    private async Task<(string Dir, string Output, Dictionary<string, string> Settings)> PrepareAsync(string name)
    {
        var dir = Repo.NewTempDir(name);
        var tools = Directory.CreateDirectory(Path.Combine(dir, "tools")).FullName;
        var output = await JsonlSink.WriteToolAsync(tools, "cluster_sink");
        var settings = new Dictionary<string, string>
        {
            ["Storage"] = "postgres",
            ["ConnectionString"] = await server.CreateDatabaseAsync(name),
            ["AdvertisedIp"] = "127.0.0.1",
            ["ToolsDir"] = tools,
            ["SinkDir"] = tools, // the sink's ./out.jsonl resolves in the sink folder
            ["Buffers:RecoveryReminderPeriod"] = "00:00:02",
        };
        return (dir, output, settings);
    }

    [Fact]
    public async Task A_killed_silo_loses_no_acknowledged_item_and_its_buffers_resume_elsewhere()
    {
        var (dir, output, settings) = await PrepareAsync("kill3");
        await WriteInvocationToolsAsync(settings["ToolsDir"]);
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

            // Resilient calls through the same gateways: a flaky executable that always fails and a builtin that
            // answers, so every call both teaches a reputation and needs one to rank.
            var invocations = new InvocationLoad(client.Client, Workers: 4);
            var callers = invocations.Start(stop.Token);

            Assert.True(await Repo.WaitUntilAsync(() => Task.FromResult(acknowledged.Count >= 1500 && invocations.Succeeded >= 50), TimeSpan.FromSeconds(90)),
                $"load did not start ({acknowledged.Count} writes, {invocations.Succeeded} calls)");
            var failedBeforeKill = invocations.Failed;
            // Kill the silo holding the working tool's reputation, which every call ranks with: the hardest case.
            var management = client.Client.GetGrain<IManagementGrain>(0);
            var reputationHost = await management.GetActivationAddress(client.Client.GetGrain<IToolReputationGrain>("cluster_steady"));
            var catalogHost = await management.GetActivationAddress(client.Client.GetGrain<IToolCatalogGrain>("default"));
            var victim = silos.Single(s => s.SiloPort == reputationHost!.Endpoint.Port);
            testOutput.WriteLine($"killing the silo on port {victim.SiloPort}; the catalog is on {catalogHost}");
            var survivor = silos.First(s => s != victim);
            await victim.KillAsync();
            var atKill = acknowledged.Count;
            var callsAtKill = invocations.Succeeded;
            // Writes keep being acknowledged through the surviving gateways once the dead silo is voted out.
            Assert.True(await Repo.WaitUntilAsync(() => Task.FromResult(acknowledged.Count >= atKill + 1500 && invocations.Succeeded >= callsAtKill + 100),
                TimeSpan.FromSeconds(120)),
                $"load did not resume after the kill ({acknowledged.Count - atKill} writes and {invocations.Succeeded - callsAtKill} calls since, " +
                $"{failures} failed writes, {invocations.Failed} failed calls: {invocations.Errors}); survivor's log:\n{survivor.Log}");
            stop.Cancel();
            await Task.WhenAll(producers);
            await Task.WhenAll(callers);

            testOutput.WriteLine($"writes: {acknowledged.Count} acknowledged, {failures} failed; calls: {invocations.Succeeded} succeeded, " +
                $"{invocations.Failed} failed: {invocations.Errors}");
            // A call fails only if it was in flight on the dead silo (its gateway, or the activation running it):
            // at most one per caller. Calls that merely needed a grain living there wait for it to move instead.
            Assert.Equal(0, failedBeforeKill);
            Assert.True(invocations.Failed <= invocations.Workers,
                $"{invocations.Failed} calls failed around the kill, more than the {invocations.Workers} in flight: {invocations.Errors}");
            Assert.Equal(0, invocations.Unanswered);

            // No further writes: time flushes and recovery reminders deliver everything that was acknowledged.
            var delivered = await Repo.WaitUntilAsync(() => Task.FromResult(acknowledged.Keys.All(JsonlSink.ReadDelivered(output).ContainsKey)),
                TimeSpan.FromSeconds(150), TimeSpan.FromSeconds(1));
            var seen = JsonlSink.ReadDelivered(output);
            var missing = acknowledged.Keys.Where(k => !seen.ContainsKey(k)).ToList();
            Assert.True(delivered, $"{missing.Count} of {acknowledged.Count} acknowledged items never delivered, e.g. {string.Join(", ", missing.Take(5))}");
            Assert.All(seen, kv => Assert.Single(kv.Value.Distinct()));

            var hosts = await management.GetHosts(onlyActive: true);
            Assert.Equal(2, hosts.Count);
        }
        finally
        {
            foreach (var silo in silos) await silo.DisposeAsync();
        }
    }

    private static async Task WriteInvocationToolsAsync(string tools)
    {
        Repo.WriteScript(Path.Combine(tools, "flaky.sh"), "#!/bin/sh\necho 'upstream unavailable' >&2\nexit 1\n");
        await File.WriteAllTextAsync(Path.Combine(tools, "flaky.yaml"), """
            id: cluster_flaky
            description: Summarizes the state of the cluster from its status report
            tags: [cluster]
            executable:
              command: ./flaky.sh
              timeout_seconds: 5
            """);
        await File.WriteAllTextAsync(Path.Combine(tools, "steady.yaml"), """
            id: cluster_steady
            description: Summarizes cluster status reports
            tags: [cluster]
            builtin: noop
            """);
    }

    /// <summary>Callers making resilient calls in a loop, counting answers and exceptions.</summary>
    private sealed class InvocationLoad(IClusterClient client, int Workers)
    {
        private static readonly string[] Scenarios =
            ["summarize the cluster status report", "summarize the state of the cluster", "give me a short summary of the silos"];
        private readonly ConcurrentQueue<string> _errors = new();
        private int _succeeded, _failed, _unanswered;

        public int Workers { get; } = Workers;
        public int Succeeded => Volatile.Read(ref _succeeded);
        /// <summary>Calls that threw: the caller got no answer at all.</summary>
        public int Failed => Volatile.Read(ref _failed);
        /// <summary>Calls answered with every attempt failed although a working tool was a candidate.</summary>
        public int Unanswered => Volatile.Read(ref _unanswered);
        public string Errors => string.Join(" | ", _errors.Take(8));

        public List<Task> Start(CancellationToken stop) => [.. Enumerable.Range(0, Workers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                try
                {
                    var result = await client.CallToolResilientAsync(Scenarios[(w + i) % Scenarios.Length], "{}", ["cluster"], maxAttempts: 2);
                    if (result.Success) Interlocked.Increment(ref _succeeded);
                    else
                    {
                        Interlocked.Increment(ref _unanswered);
                        _errors.Enqueue("unanswered: " + string.Join(", ", result.Attempts.Select(a => $"{a.ToolId} {a.Outcome} {a.Error}")));
                    }
                }
                catch (Exception ex)
                {
                    Interlocked.Increment(ref _failed);
                    _errors.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {ex.GetType().Name}: {ex.Message}");
                    await Task.Delay(50);
                }
            }
        }))];
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
