using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using ToolGrains.Grains.Buffers;
using ToolGrains.Grains.Tools;
using ToolGrains.Hosting;

namespace ToolGrains.Bench;

/// <summary>
/// Acknowledged (durable) buffer writes per second against no-op grain calls per second, with the
/// same number of concurrent callers, on one key, through the gateway, in one run per storage profile.
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
        Console.WriteLine("goals: durable writes >= 50% of no-op calls at 256 producers; >= 50x fewer pass-through calls than writes at max_size 50");
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
            silo.Services.Configure<BufferOptions>(o => o.MaxBufferedItems = 1_000_000);
        });
        await using var cluster = builder.Build();
        await cluster.DeployAsync();
        var client = cluster.Client;
        await client.GetGrain<IToolCatalogGrain>("default").RegisterAsync(new ToolDescriptor(
            "bench_sink", "1.0.0", "discards batches", [], 1.0, ToolKind.Builtin, "null_sink", [], 30, null, "{}"));

        using var counters = new BufferCounters();
        Console.WriteLine($"\n[{profile}] {duration.TotalSeconds:0} s per cell; buffer max_size 50, interval 5 s, pass-through bench_sink");
        Console.WriteLine($"{"callers",8} {"no-op calls/s",14} {"writes/s",10} {"ratio",7} {"p50 write ms",13} {"storage writes/1k",18} {"pass-through/1k",16}");
        foreach (var callers in Concurrency)
        {
            var noop = client.GetGrain<INoopGrain>(0);
            await noop.PingAsync();
            var (noopRate, _, _) = await DriveAsync(callers, duration, _ => noop.PingAsync());

            var bufferId = $"bench-{profile}-{callers}";
            var buffer = client.GetGrain<IBufferGrain>(bufferId);
            var settings = new BufferSettingsUpdate(BufferStrategy.Batched, 50, 5.0, "bench_sink");
            await buffer.WriteAsync(new BufferWriteRequest(["0"], settings));
            counters.Reset();
            var (writeRate, p50, written) = await DriveAsync(callers, duration, i => buffer.WriteAsync(new BufferWriteRequest([$"{{\"n\":{i}}}"])));
            Console.WriteLine($"{callers,8} {noopRate,14:N0} {writeRate,10:N0} {writeRate / noopRate,7:0.00} {p50,13:0.000} {counters.StorageWrites * 1000.0 / written,18:0.0} {counters.PassThroughCalls * 1000.0 / written,16:0.0}");
        }
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

/// <summary>A pass-through that accepts every batch, so the bench measures buffering, not a tool.</summary>
internal sealed class NullSinkTool : IBuiltinTool
{
    public string Name => "null_sink";

    public Task<string> InvokeAsync(ToolDescriptor descriptor, JsonElement input, CancellationToken cancellationToken) =>
        Task.FromResult("{}");
}
