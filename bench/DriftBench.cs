using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using ToolGrains.Core.Reputation;
using ToolGrains.Grains.Reputation;
using ToolGrains.Grains.Running;
using ToolGrains.Hosting;

namespace ToolGrains.Bench;

/// <summary>
/// <c>routing</c>'s drift scenario (issue 15): a stream nobody tuned the invoker for, with the faults real tools have.
/// The reputation clock is simulated, one second per call, so breaker cool-downs and Retry-After delays are real
/// durations in stream time; default breaker and competence policies.
/// <list type="bullet">
/// <item><b>currency</b>: <c>fx_primary</c> (best described) is down (HTTP-503-like transient faults) for a stretch
/// of the stream, then recovers; <c>fx_backup</c> claims crypto in its description but fails on it (permanently);
/// <c>fx_crypto</c> does crypto only.</item>
/// <item><b>image</b>: one tool, <c>img_convert</c>, does png and gif but never webp: the only tool of its tag with
/// one bad input kind.</item>
/// <item><b>geocode</b>: <c>geo_fast</c> allows 8 calls per minute and answers the rest 429 with a Retry-After up to
/// the next minute; <c>geo_slow</c> always works.</item>
/// </list>
/// </summary>
internal static class DriftBench
{
    private const int OutageStart = 150, OutageEnd = 300;

    public static async Task RunAsync(int calls, int seed)
    {
        var world = new World();
        await using var cluster = await StartAsync(world);
        var client = cluster.Client;
        var catalog = client.GetGrain<IToolCatalogGrain>("default");
        Tool[] tools =
        [
            new("fx_primary", "Converts amounts between any currencies, fiat and crypto", "currency", 0.95, ["usd", "eur", "gbp", "btc", "eth"], Outage: true),
            new("fx_backup", "Currency conversion for every currency, crypto included", "currency", 0.85, ["usd", "eur", "gbp"]),
            new("fx_crypto", "Converts cryptocurrency amounts", "currency", 0.7, ["btc", "eth", "usd", "eur"], CryptoOnly: true),
            new("img_convert", "Converts images between formats", "image", 0.9, ["png", "gif"]),
            new("geo_fast", "Geocodes street addresses to coordinates", "geocode", 0.95, ["any"], Quota: 8),
            new("geo_slow", "Slow address lookup service", "geocode", 0.7, ["any"]),
        ];
        foreach (var t in tools)
            await catalog.RegisterAsync(new ToolDescriptor(t.Id, "1.0.0", t.Description, [t.Tag], t.Quality, ToolKind.Builtin, DriftOracle.ToolName, [], 30, null,
                JsonSerializer.Serialize(t)));

        var random = new Random(seed);
        var invoker = client.GetGrain<IResilientInvokerGrain>(0);
        Console.WriteLine($"\n[drift] {tools.Length} tools in 3 tags, {calls} calls, seed {seed}, 1 simulated second per call; fx_primary down for calls {OutageStart}-{OutageEnd - 1}");
        Console.WriteLine($"{"calls",10} {"first-attempt",14} {"of servable",12} {"mean attempts",14} {"failed",7} {"servable failed",16} {"no_candidates",14}");
        int firstOk = 0, servable = 0, servableFirstOk = 0, attempts = 0, failed = 0, servableFailed = 0, noCandidates = 0, n = 0;
        int totalServable = 0, totalServableFirstOk = 0, totalServableFailed = 0, totalNoCandidates = 0;
        int laterServable = 0, laterServableFirstOk = 0, outageServable = 0, outageFirstOk = 0, outageSeen = 0;
        double blind = 0; // the baseline of the same stream: the chance that a uniformly random tool of the tag works

        for (var i = 0; i < calls; i++)
        {
            world.Advance(TimeSpan.FromSeconds(1));
            world.Call = i;
            var (tag, scenario, input) = Next(random);
            var inputJson = JsonSerializer.Serialize(input);
            var inputElement = JsonDocument.Parse(inputJson).RootElement;
            var working = tools.Count(t => t.Tag == tag && world.Works(t, inputElement, peek: true));
            var canServe = working > 0;
            if (canServe && i >= 100) blind += working / (double)tools.Count(t => t.Tag == tag);
            ResilientCallResult? result = null;
            try
            {
                result = await invoker.InvokeAsync(new ResilientCallRequest(scenario, inputJson, [tag], tools.Length));
            }
            catch (ToolGrainsException ex) when (ex.Code == ErrorCodes.NoCandidates)
            {
                noCandidates++;
            }
            var ok = result?.Attempts.Length > 0 && result.Attempts[0].Outcome == AttemptOutcomes.Success;
            n++;
            if (ok) firstOk++;
            attempts += result?.Attempts.Length ?? 0;
            if (result?.Success != true) failed++;
            if (canServe)
            {
                servable++;
                if (ok) servableFirstOk++;
                if (result?.Success != true) servableFailed++;
                if (i >= 100) { laterServable++; if (ok) laterServableFirstOk++; }
                if (tag == "currency" && i >= OutageStart && i < OutageEnd)
                {
                    if (++outageSeen > 3) { outageServable++; if (ok) outageFirstOk++; }
                }
            }
            if (n == 50 || i == calls - 1)
            {
                Console.WriteLine($"{$"{i - n + 2}-{i + 1}",10} {firstOk / (double)n,14:P0} {(servable == 0 ? 1 : servableFirstOk / (double)servable),12:P0} {attempts / (double)n,14:0.00} {failed,7} {servableFailed,16} {noCandidates,14}");
                totalServable += servable; totalServableFirstOk += servableFirstOk; totalServableFailed += servableFailed; totalNoCandidates += noCandidates;
                firstOk = servable = servableFirstOk = attempts = failed = servableFailed = noCandidates = n = 0;
            }
        }
        Console.WriteLine($"servable calls failed: {totalServableFailed} (goal 0); no_candidates: {totalNoCandidates} (goal 0)");
        Console.WriteLine($"first-attempt success of servable calls after the first 100: {laterServableFirstOk / (double)Math.Max(1, laterServable):P1} (goal >= 95 %); a blind first pick {blind / Math.Max(1, laterServable):P1}, ratio {laterServableFirstOk / Math.Max(1e-9, blind):0.00}x");
        Console.WriteLine($"during the outage, after its first 3 currency calls: {outageFirstOk / (double)Math.Max(1, outageServable):P1} of {outageServable} (goal >= 90 %)");
        Console.WriteLine($"first-attempt success of all servable calls: {totalServableFirstOk / (double)Math.Max(1, totalServable):P1}; webp requests (no tool can serve them) are left out");
        foreach (var t in tools)
        {
            var s = await client.GetGrain<IToolReputationGrain>(t.Id).GetStatusAsync();
            Console.WriteLine($"  {t.Id,-12} quality {s.Quality:0.00} competence {s.Competence:0.00} failures {s.FailureCount,3} transient {s.TransientFailureCount,3} breaker {s.Breaker?.State,-9} opens {s.Breaker?.TotalOpens,2}{(s.Deprecated ? "  DEPRECATED" : "")}");
        }
    }

    private static (string Tag, string Scenario, object Input) Next(Random r)
    {
        string[] fiat = ["usd", "eur", "gbp"];
        string[] crypto = ["btc", "eth"];
        var roll = r.NextDouble();
        if (roll < 0.5)
        {
            var from = r.NextDouble() < 0.3 ? crypto[r.Next(2)] : fiat[r.Next(3)];
            var to = fiat.Where(f => f != from).ElementAt(r.Next(2));
            string[] phrasings = ["convert {0} {1} to {2}", "how much is {0} {1} in {2}", "exchange {0} {1} for {2}", "what are {0} {1} worth in {2}"];
            var amount = r.Next(1, 1000);
            return ("currency", string.Format(System.Globalization.CultureInfo.InvariantCulture, phrasings[r.Next(phrasings.Length)], amount, from.ToUpperInvariant(), to.ToUpperInvariant()),
                new { amount, from, to });
        }
        if (roll < 0.75)
        {
            var format = r.NextDouble() < 0.2 ? "webp" : r.NextDouble() < 0.5 ? "png" : "gif";
            string[] phrasings = ["convert this image to jpeg", "turn the picture into a jpeg", "make a jpeg out of this image", "re-encode the photo as jpeg"];
            return ("image", phrasings[r.Next(phrasings.Length)], new { format, data = "iVBORw0KGgo AAAA" });
        }
        string[] streets = ["1 Main Street", "22 Rue de Rivoli", "5 Unter den Linden", "10 Downing Street"];
        string[] geo = ["geocode this address", "find the coordinates of this street address", "where on the map is this address", "look up latitude and longitude for an address"];
        return ("geocode", geo[r.Next(geo.Length)], new { address = streets[r.Next(streets.Length)] });
    }

    private static async Task<InProcessTestCluster> StartAsync(World world)
    {
        var builder = new InProcessTestClusterBuilder(1);
        var dataDir = Path.Combine(Path.GetTempPath(), "toolgrains-bench-" + Guid.NewGuid().ToString("N")[..8]);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.UseToolGrainsStorage(new ToolGrainsOptions { DataDir = dataDir });
            silo.Services.AddKeyedSingleton<TimeProvider>(ReputationClock.Key, world);
            silo.Services.AddSingleton(world);
            silo.Services.AddSingleton<IBuiltinTool, DriftOracle>();
            silo.AddToolGrainsServices();
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    /// <summary>A tool's hidden behaviour (its settings JSON).</summary>
    internal sealed record Tool(string Id, string Description, string Tag, double Quality, string[] Handles,
        bool Outage = false, bool CryptoOnly = false, int Quota = 0);

    /// <summary>The simulated clock (the reputation's and the tools') and the tools' rate-limit state.</summary>
    internal sealed class World : TimeProvider
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<string, (long Minute, int Used)> _quota = [];
        private DateTimeOffset _now = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);

        public int Call { get; set; }

        public override DateTimeOffset GetUtcNow()
        {
            lock (_gate) return _now;
        }

        public void Advance(TimeSpan by)
        {
            lock (_gate) _now += by;
        }

        /// <summary>Whether the tool serves this input now; <paramref name="peek"/> does not spend quota. Throws the
        /// tool's fault otherwise when not peeking.</summary>
        public bool Works(Tool tool, JsonElement input, bool peek)
        {
            if (tool.Outage && Call >= OutageStart && Call < OutageEnd)
                return peek ? false : throw new ToolFaultException(FaultKind.Transient, "HTTP 503: maintenance");
            if (tool.Tag == "currency")
            {
                var from = input.GetProperty("from").GetString()!;
                var to = input.GetProperty("to").GetString()!;
                if (!tool.Handles.Contains(from) || !tool.Handles.Contains(to) || (tool.CryptoOnly && from is not ("btc" or "eth")))
                    return peek ? false : throw new ToolFaultException(FaultKind.Permanent, $"UnsupportedCurrencyError: {from}->{to}");
            }
            if (tool.Tag == "image" && !tool.Handles.Contains(input.GetProperty("format").GetString()))
                return peek ? false : throw new ToolFaultException(FaultKind.Permanent, "UnsupportedInputError: " + input.GetProperty("format").GetString());
            if (tool.Quota > 0 && !peek)
            {
                lock (_gate)
                {
                    var minute = _now.ToUnixTimeSeconds() / 60;
                    var (at, used) = _quota.TryGetValue(tool.Id, out var q) && q.Minute == minute ? q : (minute, 0);
                    if (used >= tool.Quota)
                        throw new ToolFaultException(FaultKind.Transient, "HTTP 429: Too Many Requests", TimeSpan.FromSeconds((minute + 1) * 60 - _now.ToUnixTimeSeconds()));
                    _quota[tool.Id] = (at, used + 1);
                }
            }
            return true;
        }
    }

    private sealed class DriftOracle(World world) : IBuiltinTool
    {
        public const string ToolName = "drift_oracle";

        public string Name => ToolName;

        public Task<string> InvokeAsync(ToolDescriptor descriptor, JsonElement input, CancellationToken cancellationToken)
        {
            var tool = JsonSerializer.Deserialize<Tool>(descriptor.SettingsJson)!;
            world.Works(tool, input, peek: false);
            return Task.FromResult("""{"ok":true}""");
        }
    }
}
