using System.Diagnostics.Metrics;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using ToolGrains.Core.Buffers;
using ToolGrains.Grains.Buffers;
using ToolGrains.Grains.Running;
using ToolGrains.Hosting;

namespace ToolGrains.Bench;

/// <summary>
/// Acknowledged (durable) buffer writes per second against no-op grain calls per second, with the
/// same number of concurrent callers, on one hot buffer and spread over 100 buffers, through the gateway,
/// in one run per storage profile; then the cost of writes with the sink down as the backlog grows.
/// </summary>
internal static class BufferBench
{
    private static int[] Concurrency = [1, 16, 256];
    private const int Rounds = 3;
    private static bool _showCost;
    private static string? _probe;
    private static bool _backlogOnly;

    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = Options.Int(args, "--seconds", 3);
        var profiles = (Options.String(args, "--profiles") ?? "embedded,postgres").Split(',');
        if (Options.String(args, "--callers") is { } callers) Concurrency = [.. callers.Split(',').Select(int.Parse)];
        _showCost = args.Contains("--cost");
        _probe = Options.String(args, "--probe-store");
        _backlogOnly = args.Contains("--backlog-only");
        string? pgDir = null;
        try
        {
            foreach (var profile in profiles)
            {
                var options = profile switch
                {
                    "embedded" => new ToolGrainsOptions { DataDir = Path.Combine(Path.GetTempPath(), "toolgrains-bench-" + Guid.NewGuid().ToString("N")[..8]) },
                    "postgres" => new ToolGrainsOptions { Storage = "postgres", ConnectionString = Options.String(args, "--postgres") ?? BenchEnvironment.StartPostgres(out pgDir) },
                    _ => throw new ArgumentException($"unknown profile '{profile}'"),
                };
                await RunProfileAsync(profile, options, TimeSpan.FromSeconds(seconds));
            }
        }
        finally
        {
            if (pgDir is not null) BenchEnvironment.StopPostgres(pgDir);
        }
        Console.WriteLine("goals: durable writes >= 0.5 x no-op calls at 256 producers (1 and 100 buffers); <= 20 pass-through calls and <= 20 storage round trips per 1,000 writes at 256; backlog ratio <= 1.3");
        return 0;
    }

    private static async Task RunProfileAsync(string profile, ToolGrainsOptions options, TimeSpan duration)
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ConfigureFileLogging = false; // no logs/ folder in the working tree
        builder.ConfigureSilo((_, silo) =>
        {
            silo.UseToolGrainsStorage(options);
            silo.AddToolGrainsServices();
            silo.Services.AddSingleton<IBuiltinTool, NullSinkTool>();
            silo.Services.AddSingleton<IBuiltinTool, DownSinkTool>();
            silo.Services.Configure<BufferOptions>(o => o.MaxBufferedItems = 1_000_000);
            if (_probe is not null) silo.Services.AddSingleton<IBufferStore>(new ProbeStore(_probe == "async"));
        });
        await using var cluster = builder.Build();
        await cluster.DeployAsync();
        var client = cluster.Client;
        var store = cluster.Silos[0].ServiceProvider.GetRequiredService<IBufferStore>();
        var catalog = client.GetGrain<IToolCatalogGrain>("default");
        await catalog.RegisterAsync(new ToolDescriptor(
            "bench_sink", "1.0.0", "discards batches", [], 1.0, ToolKind.Builtin, "null_sink", [], 30, null, "{}"));
        await catalog.RegisterAsync(new ToolDescriptor(
            "bench_down", "1.0.0", "refuses every batch", [], 1.0, ToolKind.Builtin, "down_sink", [], 30, null, "{}"));

        using var counters = new BufferCounters();
        var settings = new BufferSettingsUpdate(BufferStrategy.Batched, 50, 5.0, "bench_sink");
        Console.WriteLine($"\n[{profile}] {duration.TotalSeconds:0} s per cell in 3 alternating rounds (ratio: their median); buffers max_size 50, interval 5 s, pass-through bench_sink");
        // Each ratio is the median of three rounds that alternate no-op and buffer cells, so that load from
        // elsewhere on a shared machine falls on both sides of a ratio.
        var cell = duration / Rounds;
        var noop = client.GetGrain<INoopGrain>(0);
        var noops = Enumerable.Range(1, 100).Select(n => client.GetGrain<INoopGrain>(n)).ToArray();
        await Task.WhenAll(noops.Append(noop).Select(n => n.PingAsync()));
        // Warm-up, so that neither side of a ratio runs on code the JIT has not optimised yet. Tiered compilation
        // takes 10-20 s of this load to settle here (the first cells ran no-op calls at 5x their later CPU cost and
        // inflated the first ratio), so it runs every kind of cell at the most callers until the rate holds.
        var warm = client.GetGrain<IBufferGrain>($"bench-{profile}-warm-up");
        var warmMany = Enumerable.Range(0, 100).Select(b => client.GetGrain<IBufferGrain>($"bench-{profile}-warm-up-{b}")).ToArray();
        await Task.WhenAll(warmMany.Append(warm).Select(b => b.WriteAsync(new BufferWriteRequest(["0"], settings))));
        var warmWriter = new BufferWriter(client);
        var warming = Stopwatch.StartNew();
        double previous = 0, rate;
        while (true)
        {
            // A pause between cells: tiered compilation starts counting calls only after 100 ms without new
            // methods to compile, which a steady stream of new calls here kept postponing.
            await Task.Delay(300);
            (rate, _, _) = await DriveAsync(Concurrency.Max(), TimeSpan.FromSeconds(1.5), i => (i % 5) switch
            {
                0 => noop.PingAsync(),
                1 => noops[i % noops.Length].PingAsync(),
                2 => warm.WriteAsync(new BufferWriteRequest(["1"])),
                3 => warmMany[i % warmMany.Length].WriteAsync(new BufferWriteRequest(["1"])),
                _ => warmWriter.WriteAsync($"bench-{profile}-warm-up", "1"),
            });
            var settled = warming.Elapsed >= TimeSpan.FromSeconds(10) && Math.Abs(rate - previous) <= 0.05 * rate;
            if (settled || warming.Elapsed >= TimeSpan.FromSeconds(45)) break;
            previous = rate;
        }
        // Their deliveries would otherwise run on into the first cells.
        await Task.WhenAll(warmMany.Append(warm).Select(b => b.FlushAsync()));
        Console.WriteLine($"warm-up: {warming.Elapsed.TotalSeconds:0} s, until calls/s changed < 5 % between 1.5 s cells ({rate:N0}/s)");
        if (_backlogOnly)
        {
            await BacklogAsync(client, $"bench-{profile}-backlog");
            return;
        }
        var cells = new Cells(client, noop, noops, store, counters, settings, cell);
        await TableAsync(cells, null, $"bench-{profile}", id =>
        {
            var buffer = client.GetGrain<IBufferGrain>(id);
            return (item, update) => buffer.WriteAsync(new BufferWriteRequest([item], update));
        }, callsSent: null);
        // The same producers through a BufferWriter: each still awaits its own acknowledged write, but writes that
        // wait while a call to their buffer is in flight share its next call.
        var writer = new BufferWriter(client);
        await TableAsync(cells, $"[{profile}] the same through BufferWriter (calls/1k: grain calls it sent per 1,000 writes)",
            $"bench-{profile}-writer", id => (item, update) => writer.WriteAsync(id, item, update), () => writer.CallsSent);
        await BacklogAsync(client, $"bench-{profile}-backlog");
    }

    /// <summary>What every cell of a profile's tables shares: the baselines, the counters and the buffers' settings.</summary>
    private sealed record Cells(IClusterClient Client, INoopGrain Noop, INoopGrain[] Noops, IBufferStore Store, BufferCounters Counters,
        BufferSettingsUpdate Settings, TimeSpan Cell);

    /// <summary>How a table's producers write one item to the buffer it was made for (with settings, or none).</summary>
    private delegate Task WriteItem(string item, BufferSettingsUpdate? settings);

    /// <summary>
    /// One table: per number of callers, one hot buffer, then 100 buffers (after all the hot rows, whose pass-through
    /// counts the 100 buffers' time flushes would otherwise inflate); with a calls column when <paramref name="callsSent"/>
    /// counts the grain calls the writes took. It flushes its buffers at the end, so the next table counts only its own.
    /// </summary>
    private static async Task TableAsync(Cells c, string? title, string prefix, Func<string, WriteItem> writerFor, Func<long>? callsSent)
    {
        if (title is not null) Console.WriteLine(title);
        var callsColumn = callsSent is null ? "" : $" {"calls/1k",9}";
        Console.WriteLine($"{"callers",8} {"no-op calls/s",14} {"1 buffer w/s",13} {"ratio",6} {"no-op/s (100)",14} {"100 buffers w/s",16} {"ratio",6} {"p50 ms (1)",11}{callsColumn} {"round trips/1k",15} {"pass-through/1k",16}");
        var used = new List<string>();
        var rows = new List<(int Callers, double Noop, double One, double OneRatio, double P50, double Calls, double Trips, double PassThrough)>();
        foreach (var callers in Concurrency)
        {
            var id = $"{prefix}-{callers}";
            used.Add(id);
            var write = writerFor(id);
            await write("0", c.Settings);
            c.Counters.Reset();
            var (trips, calls) = (c.Store.RoundTrips, callsSent?.Invoke() ?? 0);
            var (noopRate, oneRate, ratio, p50, written) = await AlternateAsync(callers, c.Cell, Rounds, _ => c.Noop.PingAsync(),
                i => write($"{{\"n\":{i}}}", null));
            rows.Add((callers, noopRate, oneRate, ratio, p50, ((callsSent?.Invoke() ?? 0) - calls) * 1000.0 / written,
                (c.Store.RoundTrips - trips) * 1000.0 / written, c.Counters.PassThroughCalls * 1000.0 / written));
        }
        foreach (var row in rows)
        {
            var ids = Enumerable.Range(0, 100).Select(b => $"{prefix}-{row.Callers}-{b}").ToArray();
            used.AddRange(ids);
            var many = ids.Select(writerFor).ToArray();
            await Task.WhenAll(many.Select(write => write("0", c.Settings)));
            // Its baseline is no-op calls spread over as many grains, so both sides pay the same per-activation scheduling.
            var (manyNoop, manyRate, manyRatio, _, _) = await AlternateAsync(row.Callers, c.Cell, Rounds, i => c.Noops[i % c.Noops.Length].PingAsync(),
                i => many[i % many.Length]($"{{\"n\":{i}}}", null));
            var calls = callsSent is null ? "" : $" {row.Calls,9:0.0}";
            Console.WriteLine($"{row.Callers,8} {row.Noop,14:N0} {row.One,13:N0} {row.OneRatio,6:0.00} {manyNoop,14:N0} {manyRate,16:N0} {manyRatio,6:0.00} {row.P50,11:0.000}{calls} {row.Trips,15:0.0} {row.PassThrough,16:0.0}");
        }
        await Task.WhenAll(used.Select(id => c.Client.GetGrain<IBufferGrain>(id).FlushAsync()));
    }

    /// <summary>
    /// Seconds per 1,000 sequential 200-byte writes with the sink down, at a backlog of 0 and of 9,000 items: the
    /// median of five samples each, taken in alternation on fresh buffers. A sample takes ~0.1-0.2 s and single samples
    /// vary by ±30 % on a shared machine: with three, one run read 1.51 where the runs around it read 0.94-1.22.
    /// </summary>
    private const int BacklogSamples = 5;

    private static async Task BacklogAsync(IClusterClient client, string prefix)
    {
        var item = JsonSerializer.Serialize(new string('x', 198));
        var settings = new BufferSettingsUpdate(BufferStrategy.Batched, 50, 5.0, "bench_down");
        async Task<double> ThousandAsync(IBufferGrain buffer)
        {
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < 1000; i++) await buffer.WriteAsync(new BufferWriteRequest([item], settings));
            return watch.Elapsed.TotalSeconds;
        }
        var (empty, full) = (new List<double>(), new List<double>());
        var held = 0;
        for (var sample = 0; sample < BacklogSamples; sample++)
        {
            empty.Add(await ThousandAsync(client.GetGrain<IBufferGrain>($"{prefix}-empty-{sample}")));
            var loaded = client.GetGrain<IBufferGrain>($"{prefix}-full-{sample}");
            for (var i = 0; i < 90; i++) await loaded.WriteAsync(new BufferWriteRequest([.. Enumerable.Repeat(item, 100)], settings));
            var status = await loaded.GetStatusAsync();
            held = status.Buffered + status.InFlight;
            full.Add(await ThousandAsync(loaded));
        }
        var (e, f) = (empty.Order().ElementAt(BacklogSamples / 2), full.Order().ElementAt(BacklogSamples / 2));
        Console.WriteLine($"backlog (sink down): {e:0.00} s per 1,000 writes at 0 held, {f:0.00} s at {held:N0} held; ratio {f / e:0.00} " +
            $"(medians of {BacklogSamples}; samples {empty.Min():0.00}-{empty.Max():0.00} and {full.Min():0.00}-{full.Max():0.00})");
    }

    /// <summary>Rounds of a no-op cell then a write cell; mean rates, the median of the rounds' ratios, the writes' median latency and count.</summary>
    private static async Task<(double Noop, double Writes, double Ratio, double P50, long Written)> AlternateAsync(
        int callers, TimeSpan cell, int rounds, Func<long, Task> baseline, Func<long, Task> write)
    {
        var noopRates = new List<double>();
        var writeRates = new List<double>();
        var ratios = new List<double>();
        var p50s = new List<double>();
        long written = 0;
        for (var r = 0; r < rounds; r++)
        {
            var (noopRate, _, _) = await DriveAsync(callers, cell, baseline);
            var (writeRate, p50, count) = await DriveAsync(callers, cell, write);
            noopRates.Add(noopRate);
            writeRates.Add(writeRate);
            ratios.Add(writeRate / noopRate);
            p50s.Add(p50);
            written += count;
        }
        return (noopRates.Average(), writeRates.Average(), ratios.Order().ElementAt(rounds / 2), p50s.Order().ElementAt(rounds / 2), written);
    }

    /// <summary>Runs <paramref name="callers"/> loops for <paramref name="duration"/>; returns calls/s and the median latency in ms.</summary>
    private static async Task<(double Rate, double P50, long Count)> DriveAsync(int callers, TimeSpan duration, Func<long, Task> call)
    {
        long next = 0;
        var latencies = new List<double>[callers];
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var allocated = GC.GetTotalAllocatedBytes();
        var stop = Stopwatch.StartNew();
        var loops = Enumerable.Range(0, callers).Select(c => Task.Run(async () =>
        {
            var mine = latencies[c] = new List<double>(4096);
            while (stop.Elapsed < duration)
            {
                var started = Stopwatch.GetTimestamp();
                await call(Interlocked.Increment(ref next));
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        })).ToArray();
        await Task.WhenAll(loops);
        // Read before the latencies are sorted: sorting millions of them took seconds, and counted in the rate and
        // CPU per call it understated the cheap cells (no-op calls) more than the slow ones and inflated the ratios.
        var elapsed = stop.Elapsed;
        var usedCpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        var usedBytes = GC.GetTotalAllocatedBytes() - allocated;
        var all = latencies.SelectMany(l => l).ToArray();
        Array.Sort(all);
        if (_showCost && all.Length > 0)
            Console.WriteLine($"    {callers} callers: {usedCpu.TotalMicroseconds / all.Length:0.0} us CPU and {usedBytes / all.Length:N0} bytes per call");
        return (all.Length / elapsed.TotalSeconds, all.Length == 0 ? 0 : all[all.Length / 2], all.Length);
    }

    /// <summary>Counts the buffers' storage writes and pass-through calls from the ToolGrains meter.</summary>
    private sealed class BufferCounters : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _storageWrites;
        private long _passThrough;

        public BufferCounters()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == BufferMetrics.MeterName) listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
            {
                if (instrument.Name == "toolgrains.buffer.storage_writes") Interlocked.Add(ref _storageWrites, value);
                else if (instrument.Name == "toolgrains.buffer.pass_through_calls") Interlocked.Add(ref _passThrough, value);
            });
            _listener.Start();
        }

        public long StorageWrites => Interlocked.Read(ref _storageWrites);
        public long PassThroughCalls => Interlocked.Read(ref _passThrough);

        public void Reset()
        {
            Interlocked.Exchange(ref _storageWrites, 0);
            Interlocked.Exchange(ref _passThrough, 0);
        }

        public void Dispose() => _listener.Dispose();
    }
}

/// <summary>The baseline: a grain call that does nothing.</summary>
[Alias("ToolGrains.Bench.INoopGrain")]
public interface INoopGrain : IGrainWithIntegerKey
{
    [Alias("Ping")] Task PingAsync();
}

public sealed class NoopGrain : Grain, INoopGrain
{
    public Task PingAsync() => Task.CompletedTask;
}

/// <summary>A pass-through that refuses every batch: a sink that is down.</summary>
internal sealed class DownSinkTool : IBuiltinTool
{
    public string Name => "down_sink";

    public Task<string> InvokeAsync(ToolDescriptor descriptor, JsonElement input, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("the sink is down");
}

/// <summary>A pass-through that accepts every batch, so the bench measures buffering, not a tool.</summary>
internal sealed class NullSinkTool : IBuiltinTool
{
    public string Name => "null_sink";

    public Task<string> InvokeAsync(ToolDescriptor descriptor, JsonElement input, CancellationToken cancellationToken) =>
        Task.FromResult("{}");
}

/// <summary>
/// A store that stores nothing (<c>--probe-store sync|async</c>): what buffer writes would cost if storage were
/// free, completed on the caller's turn or on a pool thread as a real store does. Not durable; a ceiling, not a result.
/// </summary>
internal sealed class ProbeStore(bool async) : IBufferStore
{
    public long RoundTrips => 0;
    public bool TakesPlainAppends => true;
    public Task<BufferSnapshot> LoadAsync(string bufferId, CancellationToken cancellationToken = default) => Task.FromResult(BufferSnapshot.Empty);
    public Task CommitAsync(BufferChange change)
    {
        if (!async) return Task.CompletedTask;
        var tcs = new TaskCompletionSource();
        ThreadPool.UnsafeQueueUserWorkItem(t => ((TaskCompletionSource)t!).SetResult(), tcs);
        return tcs.Task;
    }
}
