using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using ToolGrains.Core.Buffers;
using ToolGrains.Grains.Buffers;
using ToolGrains.Grains.Tools;
using ToolGrains.Hosting;

namespace ToolGrains.Bench;

/// <summary>
/// Acknowledged (durable) buffer writes per second against no-op grain calls per second, with the
/// same number of concurrent callers, on one hot buffer and spread over 100 buffers, through the gateway,
/// in one run per storage profile; then the cost of writes with the sink down as the backlog grows.
/// </summary>
internal static class BufferBench
{
    private static readonly int[] Concurrency = [1, 16, 256];

    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = Options.Int(args, "--seconds", 3);
        var profiles = (Options.String(args, "--profiles") ?? "embedded,postgres").Split(',');
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
        Console.WriteLine($"\n[{profile}] {duration.TotalSeconds:0} s per cell; buffers max_size 50, interval 5 s, pass-through bench_sink");
        Console.WriteLine($"{"callers",8} {"no-op calls/s",14} {"1 buffer w/s",13} {"ratio",6} {"100 buffers w/s",16} {"ratio",6} {"p50 ms (1)",11} {"round trips/1k",15} {"pass-through/1k",16}");
        var rows = new List<(int Callers, double Noop, double One, double P50, double Trips, double PassThrough)>();
        foreach (var callers in Concurrency)
        {
            var noop = client.GetGrain<INoopGrain>(0);
            await noop.PingAsync();
            var (noopRate, _, _) = await DriveAsync(callers, duration, _ => noop.PingAsync());

            var buffer = client.GetGrain<IBufferGrain>($"bench-{profile}-{callers}");
            await buffer.WriteAsync(new BufferWriteRequest(["0"], settings));
            counters.Reset();
            var trips = store.RoundTrips;
            var (oneRate, p50, written) = await DriveAsync(callers, duration, i => buffer.WriteAsync(new BufferWriteRequest([$"{{\"n\":{i}}}"])));
            rows.Add((callers, noopRate, oneRate, p50, (store.RoundTrips - trips) * 1000.0 / written, counters.PassThroughCalls * 1000.0 / written));
        }
        // After the hot-buffer cells, whose pass-through counts the 100 buffers' time flushes would otherwise inflate.
        foreach (var row in rows)
        {
            var many = Enumerable.Range(0, 100).Select(b => client.GetGrain<IBufferGrain>($"bench-{profile}-{row.Callers}-{b}")).ToArray();
            await Task.WhenAll(many.Select(b => b.WriteAsync(new BufferWriteRequest(["0"], settings))));
            var (manyRate, _, _) = await DriveAsync(row.Callers, duration, i => many[i % many.Length].WriteAsync(new BufferWriteRequest([$"{{\"n\":{i}}}"])));
            Console.WriteLine($"{row.Callers,8} {row.Noop,14:N0} {row.One,13:N0} {row.One / row.Noop,6:0.00} {manyRate,16:N0} {manyRate / row.Noop,6:0.00} {row.P50,11:0.000} {row.Trips,15:0.0} {row.PassThrough,16:0.0}");
        }
        await BacklogAsync(client.GetGrain<IBufferGrain>($"bench-{profile}-backlog"));
    }

    /// <summary>Seconds per 1,000 sequential 200-byte writes with the sink down, at a backlog of 0 and of 9,000 items.</summary>
    private static async Task BacklogAsync(IBufferGrain buffer)
    {
        var item = JsonSerializer.Serialize(new string('x', 198));
        var settings = new BufferSettingsUpdate(BufferStrategy.Batched, 50, 5.0, "bench_down");
        async Task<double> ThousandAsync()
        {
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < 1000; i++) await buffer.WriteAsync(new BufferWriteRequest([item], settings));
            return watch.Elapsed.TotalSeconds;
        }
        var empty = await ThousandAsync();
        for (var i = 0; i < 80; i++) await buffer.WriteAsync(new BufferWriteRequest([.. Enumerable.Repeat(item, 100)], settings));
        var status = await buffer.GetStatusAsync();
        var full = await ThousandAsync();
        Console.WriteLine($"backlog (sink down): {empty:0.00} s per 1,000 writes at 0 held, {full:0.00} s at {status.Buffered + status.InFlight:N0} held; ratio {full / empty:0.00}");
    }

    /// <summary>Runs <paramref name="callers"/> loops for <paramref name="duration"/>; returns calls/s and the median latency in ms.</summary>
    private static async Task<(double Rate, double P50, long Count)> DriveAsync(int callers, TimeSpan duration, Func<long, Task> call)
    {
        long next = 0;
        var latencies = new List<double>[callers];
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
        var all = latencies.SelectMany(l => l).Order().ToList();
        return (all.Count / stop.Elapsed.TotalSeconds, all.Count == 0 ? 0 : all[all.Count / 2], all.Count);
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
