using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace ToolGrains.Bench;

/// <summary>
/// A mixed load held for minutes against a real cluster: buffer writes, resilient calls and failure marks,
/// each at its own target rate (open loop: a slow cluster sheds load, it does not slow the driver down).
/// Every sample prints throughput, latency percentiles, errors and each silo's memory; the end prints the
/// totals, the latencies as ratios of a direct no-op tool call measured first, and whether memory stayed
/// flat, and writes <c>soak.csv</c> and <c>soak.svg</c>.
/// </summary>
internal static class SoakBench
{
    private const int Buffers = 100;
    private static readonly string[] Scenarios =
    [
        "summarize the status report of the payments service", "summarize today's deployment log",
        "give me a short summary of the incident timeline", "summarize the error budget of the search team",
        "condense the weekly on-call handover", "summarize the alerts raised overnight",
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        var minutes = Options.Double(args, "--minutes", 10);
        var sample = TimeSpan.FromSeconds(Options.Int(args, "--sample-seconds", 10));
        var rates = new Dictionary<string, double>
        {
            ["write"] = Options.Int(args, "--writes", 1000),
            ["call"] = Options.Int(args, "--calls", 100),
            ["mark"] = Options.Int(args, "--marks", 10),
        };
        var outDir = Path.GetFullPath(Options.String(args, "--out") ?? $"soak-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
        Directory.CreateDirectory(outDir);
        if (minutes <= 0 || sample <= TimeSpan.Zero || rates.Values.Any(r => r < 0))
        {
            Console.Error.WriteLine("soak: --minutes, --sample-seconds must be positive and the rates not negative");
            return 2;
        }

        var gateways = Options.String(args, "--gateways");
        await using var cluster = gateways is null
            ? await SoakCluster.StartAsync(Options.Int(args, "--silos", 3), Options.String(args, "--postgres"), outDir)
            : SoakCluster.Existing(gateways);
        using var host = await ConnectAsync(cluster.Gateways, Options.String(args, "--cluster-id") ?? "toolgrains");
        var client = host.Services.GetRequiredService<IClusterClient>();
        var management = client.GetGrain<IManagementGrain>(0);
        await WaitForAsync(async () => (await management.GetHosts(onlyActive: true)).Count >= cluster.Silos.Count, TimeSpan.FromSeconds(120));
        var hostCount = (await management.GetHosts(onlyActive: true)).Count;

        await RegisterToolsAsync(client);
        var baseline = await MeasureBaselineAsync(client, TimeSpan.FromSeconds(5));
        Console.WriteLine($"soak: {minutes:0.#} min on {hostCount} silo(s) ({cluster.Description}); target rates/s: " +
                          string.Join(", ", rates.Select(r => $"{r.Key} {r.Value:0}")) + $"; results in {outDir}");
        Console.WriteLine($"baseline: direct CallToolAsync of the builtin noop, 1 caller: p50 {baseline:0.000} ms");

        var kinds = rates.Keys.Select(k => new LoadKind(k, rates[k])).ToDictionary(k => k.Name);
        var settings = new BufferSettingsUpdate(BufferStrategy.Batched, 50, 1.0, "soak_sink");
        var operations = new Dictionary<string, Func<long, Task>>
        {
            ["write"] = n => client.GetGrain<IBufferGrain>($"soak-{n % Buffers}").WriteAsync(new BufferWriteRequest([$"{{\"n\":{n}}}"], settings)),
            ["call"] = async n =>
            {
                var result = await client.CallToolResilientAsync(Scenarios[n % Scenarios.Length], "{}", ["soak"], maxAttempts: 3);
                if (!result.Success) throw new InvalidOperationException("every attempt failed: " + string.Join("; ", result.Attempts.Select(a => a.Error)));
            },
            ["mark"] = n => client.GetGrain<IToolReputationGrain>($"soak_marked_{n % 10}").MarkFailureAsync(new ToolFailureReport(
                $"parse record {n % 500} of the {(n % 2 == 0 ? "json" : "csv")} export", "unexpected token", n % 3 == 0 ? "high" : "low")),
        };

        // Warm-up outside the figures: activate every buffer with its settings and rank once per scenario,
        // so the first sample measures the cluster, not 100 cold activations loading state at once.
        await Task.WhenAll(Enumerable.Range(0, Buffers).Select(i =>
            client.GetGrain<IBufferGrain>($"soak-{i}").WriteAsync(new BufferWriteRequest(["{\"warm_up\":true}"], settings))));
        await Task.WhenAll(Scenarios.Select(s => client.CallToolResilientAsync(s, "{}", ["soak"], maxAttempts: 3)));

        using var stop = new CancellationTokenSource();
        var duration = TimeSpan.FromMinutes(minutes);
        var ramp = TimeSpan.FromSeconds(Math.Min(Options.Int(args, "--ramp-seconds", 20), duration.TotalSeconds / 2));
        var clock = Stopwatch.StartNew();
        var drivers = kinds.Values.Where(k => k.TargetRate > 0).Select(k => k.DriveAsync(operations[k.Name], clock, duration, ramp, stop.Token)).ToList();

        var rows = new List<SoakSample>();
        Console.WriteLine(SoakSample.Header(cluster.Silos.Count));
        var next = sample;
        var previous = TimeSpan.Zero;
        while (clock.Elapsed < duration)
        {
            var wait = next - clock.Elapsed;
            if (wait > TimeSpan.Zero) await Task.Delay(wait < duration - clock.Elapsed ? wait : duration - clock.Elapsed);
            var now = clock.Elapsed;
            var row = await SampleAsync(now, (now - previous).TotalSeconds, kinds.Values, cluster, management);
            previous = now;
            rows.Add(row);
            Console.WriteLine(row.Format());
            next += sample;
        }
        await stop.CancelAsync();
        await Task.WhenAll(drivers);
        var drove = clock.Elapsed; // rates are over the time calls were issued, not the drain after it
        await LoadKind.DrainAsync(kinds.Values, TimeSpan.FromSeconds(60));

        var delivery = await BufferDeliveryAsync(client);
        SoakReport.WriteCsv(Path.Combine(outDir, "soak.csv"), rows, cluster.Silos.Count);
        SoakReport.WriteSvg(Path.Combine(outDir, "soak.svg"), rows, [.. kinds.Keys], cluster.Silos.Count,
            $"{minutes:0.#} min, {hostCount} silos, {cluster.Description}");
        var exitCode = PrintSummary(kinds.Values, rows, baseline, delivery, drove, cluster.Silos.Count, sample);
        await host.StopAsync(); // before the silos stop, so that the client does not hear from them after it is gone
        return exitCode;
    }

    private static async Task<IHost> ConnectAsync(IReadOnlyList<IPEndPoint> gateways, string clusterId)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Warning).AddConsole();
        builder.UseOrleansClient(client =>
        {
            client.UseStaticClustering([.. gateways]);
            client.Configure<ClusterOptions>(o => o.ClusterId = o.ServiceId = clusterId);
        });
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private static async Task RegisterToolsAsync(IClusterClient client)
    {
        var catalog = client.GetGrain<IToolCatalogGrain>("default");
        ToolDescriptor Noop(string id, string description, params string[] tags) =>
            new(id, "1.0.0", description, [.. tags], 0.9, ToolKind.Builtin, "noop", [], 30, null, "{}");
        await catalog.RegisterAsync(Noop("soak_sink", "Accepts buffered batches of the soak and discards them"));
        await catalog.RegisterAsync(Noop("soak_steady", "Summarizes status reports, logs and timelines", "soak"));
        for (var i = 0; i < 10; i++)
            await catalog.RegisterAsync(Noop($"soak_marked_{i}", $"Parses exported records, variant {i}", "soak-marked"));
    }

    /// <summary>p50 of a direct call of the builtin no-op tool, untracked, one caller: what a call through the cluster costs.</summary>
    private static async Task<double> MeasureBaselineAsync(IClusterClient client, TimeSpan duration)
    {
        var histogram = new LatencyHistogram();
        var options = new ToolCallOptions(DisableTracking: true);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            var started = Stopwatch.GetTimestamp();
            await client.CallToolAsync("soak_sink", "{}", options);
            histogram.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        return histogram.Percentile(0.5);
    }

    private static async Task<SoakSample> SampleAsync(TimeSpan elapsed, double seconds, IEnumerable<LoadKind> kinds, SoakCluster cluster, IManagementGrain management)
    {
        var perKind = kinds.Select(k => k.TakeInterval()).ToList();
        var managed = new Dictionary<int, (double ManagedMb, int Activations)>();
        try
        {
            var hosts = await management.GetHosts(onlyActive: true);
            var stats = await management.GetRuntimeStatistics([.. hosts.Keys]);
            foreach (var (silo, stat) in hosts.Keys.Zip(stats))
                managed[silo.Endpoint.Port] = (stat.EnvironmentStatistics.FilteredMemoryUsageBytes / 1048576.0, stat.ActivationCount);
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"sample: runtime statistics unavailable ({ex.GetType().Name}: {ex.Message})");
        }
        var silos = cluster.Silos.Select(s =>
        {
            managed.TryGetValue(s.SiloPort, out var m);
            return new SiloSample(s.ResidentMb(), m.ManagedMb, m.Activations);
        }).ToList();
        // A cluster given by its gateways: silos known only from the management grain.
        if (cluster.Silos.Count == 0) silos = [.. managed.Values.Select(m => new SiloSample(null, m.ManagedMb, m.Activations))];
        return new SoakSample(elapsed, seconds, perKind, silos);
    }

    /// <summary>What the soak's buffers delivered to their pass-through, from their status.</summary>
    private static async Task<(long Written, long Flushed, long Batches)> BufferDeliveryAsync(IClusterClient client)
    {
        var statuses = await Task.WhenAll(Enumerable.Range(0, Buffers).Select(i => client.GetGrain<IBufferGrain>($"soak-{i}").GetStatusAsync()));
        return (statuses.Sum(s => s.TotalWritten), statuses.Sum(s => s.TotalFlushed), statuses.Sum(s => s.BatchesFlushed));
    }

    private static int PrintSummary(IEnumerable<LoadKind> kinds, List<SoakSample> rows, double baseline,
        (long Written, long Flushed, long Batches) delivery, TimeSpan elapsed, int silos, TimeSpan sample)
    {
        Console.WriteLine();
        Console.WriteLine($"{"kind",6} {"target/s",9} {"done/s",8} {"ok",10} {"errors",7} {"shed",7} {"p50 ms",8} {"p90 ms",8} {"p99 ms",8} {"max ms",9} {"p50/base",9}");
        var errors = 0L;
        foreach (var k in kinds)
        {
            var t = k.Total;
            errors += k.Errors + k.Shed;
            Console.WriteLine($"{k.Name,6} {k.TargetRate,9:0} {k.Ok / elapsed.TotalSeconds,8:0.0} {k.Ok,10:N0} {k.Errors,7} {k.Shed,7} " +
                              $"{t.Percentile(0.5),8:0.00} {t.Percentile(0.9),8:0.00} {t.Percentile(0.99),8:0.00} {t.Max,9:0.0} {t.Percentile(0.5) / baseline,9:0.0}");
            foreach (var (message, count) in k.ErrorSamples.Take(5)) Console.WriteLine($"         {count} x {message}");
        }
        Console.WriteLine($"buffers: {delivery.Written:N0} items written, {delivery.Flushed:N0} delivered in {delivery.Batches:N0} batches " +
                          $"({delivery.Batches / elapsed.TotalSeconds:0.0} pass-through calls/s, {(delivery.Batches == 0 ? 0 : (double)delivery.Flushed / delivery.Batches):0.0} items per batch)");

        // Memory after warm-up (the first fifth, at least one sample): growth per silo and its trend.
        var flat = true;
        var warm = rows.Skip(Math.Max(1, rows.Count / 5)).ToList();
        for (var s = 0; s < silos && warm.Count >= 2; s++)
        {
            var points = warm.Where(r => r.Silos[s].ResidentMb is not null).Select(r => (r.Elapsed.TotalMinutes, r.Silos[s].ResidentMb!.Value)).ToList();
            if (points.Count < 2) continue;
            var slope = SoakReport.Slope(points);
            var first = points[0].Item2;
            var last = points[^1].Item2;
            var peak = points.Max(p => p.Item2);
            var grows = last > first * 1.15 && slope * (points[^1].Item1 - points[0].Item1) > first * 0.15;
            flat &= !grows;
            Console.WriteLine($"silo {s + 1} memory (RSS) after warm-up: {first:0} -> {last:0} MB, peak {peak:0} MB, trend {slope:+0.0;-0.0} MB/min: {(grows ? "GROWING" : "flat")}");
        }
        Console.WriteLine($"sampled every {sample.TotalSeconds:0} s; plot and figures: soak.svg, soak.csv");
        Console.WriteLine($"goals: no errors or shed load at the target rates; memory flat after warm-up -> {(errors == 0 ? "no errors" : $"{errors} errors/shed")}, memory {(flat ? "flat" : "GROWING")}");
        return errors == 0 && flat ? 0 : 1;
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (await condition()) return;
            }
            catch (Exception) when (clock.Elapsed < timeout)
            {
                // The cluster is still starting; ask again.
            }
            if (clock.Elapsed > timeout) throw new TimeoutException($"the cluster did not come up within {timeout.TotalSeconds:0} s");
            await Task.Delay(500);
        }
    }
}

/// <summary>One kind of operation driven at a target rate, with its latencies and errors.</summary>
internal sealed class LoadKind(string name, double targetRate)
{
    /// <summary>Calls outstanding at once before new ones are shed rather than queued in the driver.</summary>
    private const int MaxInFlight = 2000;
    private readonly Lock _gate = new();
    private LatencyHistogram _interval = new();
    private long _intervalOk, _intervalErrors, _intervalShed;
    private int _inFlight;
    private readonly ConcurrentDictionary<string, int> _errorSamples = new();

    public string Name { get; } = name;
    public double TargetRate { get; } = targetRate;
    public LatencyHistogram Total { get; } = new();
    public long Ok { get; private set; }
    public long Errors { get; private set; }
    public long Shed { get; private set; }
    public IEnumerable<KeyValuePair<string, int>> ErrorSamples => _errorSamples.OrderByDescending(e => e.Value);

    /// <summary>Issues calls on a 10 ms tick so that, over any second, the target rate is reached (after a linear
    /// ramp from zero over <paramref name="ramp"/>); never waits for them.</summary>
    public async Task DriveAsync(Func<long, Task> operation, Stopwatch clock, TimeSpan duration, TimeSpan ramp, CancellationToken stop)
    {
        long issued = 0;
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(10));
        try
        {
            while (clock.Elapsed < duration && await tick.WaitForNextTickAsync(stop))
            {
                var t = clock.Elapsed.TotalSeconds;
                var r = ramp.TotalSeconds;
                var due = (long)(t < r ? TargetRate * t * t / (2 * r) : TargetRate * (t - r / 2));
                for (; issued < due; issued++)
                {
                    if (Volatile.Read(ref _inFlight) >= MaxInFlight)
                    {
                        lock (_gate) _intervalShed++;
                        continue;
                    }
                    Interlocked.Increment(ref _inFlight);
                    _ = RunAsync(operation, issued);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The soak is over.
        }
    }

    private async Task RunAsync(Func<long, Task> operation, long n)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await operation(n);
            var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            lock (_gate)
            {
                _interval.Record(ms);
                _intervalOk++;
            }
        }
        catch (Exception ex)
        {
            lock (_gate) _intervalErrors++;
            var message = ex.GetType().Name + ": " + ex.Message;
            var key = message[..Math.Min(160, message.Length)];
            if (_errorSamples.Count < 20 || _errorSamples.ContainsKey(key)) _errorSamples.AddOrUpdate(key, 1, (_, c) => c + 1);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    /// <summary>The figures since the previous call, folded into the totals.</summary>
    public KindSample TakeInterval()
    {
        lock (_gate)
        {
            var sample = new KindSample(Name, _intervalOk, _intervalErrors, _intervalShed, _interval.Percentile(0.5), _interval.Percentile(0.99));
            Total.Add(_interval);
            Ok += _intervalOk;
            Errors += _intervalErrors;
            Shed += _intervalShed;
            _interval = new LatencyHistogram();
            _intervalOk = _intervalErrors = _intervalShed = 0;
            return sample;
        }
    }

    /// <summary>Waits for the calls still outstanding, then folds the rest into the totals.</summary>
    public static async Task DrainAsync(IEnumerable<LoadKind> kinds, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (kinds.Any(k => Volatile.Read(ref k._inFlight) > 0) && clock.Elapsed < timeout) await Task.Delay(100);
        foreach (var k in kinds) k.TakeInterval();
    }
}

internal sealed record KindSample(string Name, long Ok, long Errors, long Shed, double P50, double P99);

internal sealed record SiloSample(double? ResidentMb, double ManagedMb, int Activations);

/// <summary>One sample: the figures of the <paramref name="Seconds"/> before <paramref name="Elapsed"/>.</summary>
internal sealed record SoakSample(TimeSpan Elapsed, double Seconds, IReadOnlyList<KindSample> Kinds, IReadOnlyList<SiloSample> Silos)
{
    public double Rate(string kind) => (Kinds.FirstOrDefault(k => k.Name == kind)?.Ok ?? 0) / Math.Max(Seconds, 0.001);

    public static string Header(int silos) =>
        $"{"t",6} {"write/s",7} {"p50",6} {"p99",7} {"call/s",7} {"p50",6} {"p99",7} {"mark/s",7} {"p50",6} {"p99",7} {"err",5} " +
        string.Join(" ", Enumerable.Range(1, Math.Max(silos, 1)).Select(i => $"{$"silo{i} MB",10}"));

    public string Format()
    {
        string Kind(string name)
        {
            var k = Kinds.FirstOrDefault(x => x.Name == name);
            return k is null ? $"{"-",7} {"-",6} {"-",7}" : $"{Rate(name),7:0} {k.P50,6:0.0} {k.P99,7:0.0}";
        }
        var errors = Kinds.Sum(k => k.Errors + k.Shed);
        return $"{Elapsed.TotalSeconds,5:0}s {Kind("write")} {Kind("call")} {Kind("mark")} {errors,5} " +
               string.Join(" ", Silos.Select(s => $"{(s.ResidentMb is { } rss ? rss.ToString("0", CultureInfo.InvariantCulture) + " rss" : s.ManagedMb.ToString("0", CultureInfo.InvariantCulture) + " gc"),10}"));
    }
}
