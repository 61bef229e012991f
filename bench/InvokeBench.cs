using System.Collections.Immutable;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using ToolGrains.Grains.Running;
using ToolGrains.Hosting;

namespace ToolGrains.Bench;

/// <summary>
/// <c>invoke</c>: what the resilient invoker itself adds to a call. 1,000 registered tools each holding 10
/// failures; the chosen tool is the builtin no-op and the scenario's embedding is already in the silo's
/// cache, so the difference from a direct <c>CallToolAsync</c> of the same no-op (same run, same client,
/// interleaved rounds) is ranking + bookkeeping: catalog cache, shortlist, parallel reputation calls, ranking,
/// success recording and usage tracking.
/// <para><c>routing</c>: a learning curve. Tools with hidden failure patterns (each fails on some languages,
/// whatever its description and declared quality claim); a seeded stream of scenarios; the first-attempt
/// success rate per 50 calls, from cold reputations to learned ones.</para>
/// </summary>
internal static class InvokeBench
{
    private const string NoopScenario = "do nothing and answer at once";

    public static async Task<int> RunInvokeAsync(string[] args)
    {
        var tools = Options.Int(args, "--tools", 1000);
        var failures = Options.Int(args, "--failures", 10);
        var calls = Options.Int(args, "--calls", 3000);
        await using var cluster = await StartAsync();
        var client = cluster.Client;
        var catalog = client.GetGrain<IToolCatalogGrain>("default");
        var embedder = cluster.Silos[0].ServiceProvider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();

        var setup = Stopwatch.StartNew();
        string[] verbs = ["analyze", "lint", "translate", "summarize", "convert", "validate", "format", "index", "search", "compress"];
        string[] objects = ["python code", "javascript files", "json data", "csv tables", "yaml configs", "sql queries", "markdown docs", "xml feeds", "log lines", "images"];
        string[] adverbs = ["quickly", "carefully", "in bulk", "incrementally", "offline", "with a remote API", "for review", "for CI", "on demand", "safely"];
        var failureScenarios = new List<(string Text, ImmutableArray<float> Vector)>();
        foreach (var verb in verbs)
            foreach (var obj in objects.Take(2))
            {
                var text = $"{verb} {obj}";
                failureScenarios.Add((text, [.. (await embedder.GenerateAsync([text])).Single().Vector.Span]));
            }
        await Parallel.ForEachAsync(Enumerable.Range(0, tools), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
        {
            var id = $"bench_tool_{i:0000}";
            var description = $"{verbs[i % 10]} {objects[i / 10 % 10]} {adverbs[i / 100 % 10]}";
            await catalog.RegisterAsync(new ToolDescriptor(id, "1.0.0", description, ["bench"], 0.9, ToolKind.Builtin, "noop", [], 30, null, "{}"));
            var reputation = client.GetGrain<IToolReputationGrain>(id);
            for (var f = 0; f < failures; f++)
            {
                var (text, vector) = failureScenarios[(i + f * 7) % failureScenarios.Count];
                await reputation.MarkFailureAsync(new ToolFailureReport(text, "bench failure", "low", vector));
            }
        });
        await catalog.RegisterAsync(new ToolDescriptor("bench_noop", "1.0.0", NoopScenario, ["bench"], 1.0, ToolKind.Builtin, "noop", [], 30, null, "{}"));
        Console.WriteLine($"setup: {tools:N0} tools with {failures} failures each in {setup.Elapsed.TotalSeconds:0.0} s");

        var invoker = client.GetGrain<IResilientInvokerGrain>(0);
        var request = new ResilientCallRequest(NoopScenario, "{}", ["bench"], 5);
        var first = await invoker.InvokeAsync(request); // warms the scenario's embedding and the silo's catalog copy
        if (!first.Success || first.ToolId != "bench_noop" || first.Attempts.Length != 1)
            throw new InvalidOperationException($"the no-op was not chosen first: {first.ToolId}, {first.Attempts.Length} attempt(s)");
        for (var i = 0; i < 300; i++)
        {
            await invoker.InvokeAsync(request);
            await client.CallToolAsync("bench_noop", "{}");
        }

        // Interleaved rounds, so that the noise of a shared machine falls on both sides alike.
        var direct = new List<double>(calls);
        var resilient = new List<double>(calls);
        var rankOnly = new List<double>(calls);
        var untracked = new List<double>(calls);
        const int round = 100;
        for (var done = 0; done < calls; done += round)
        {
            for (var i = 0; i < round; i++)
            {
                var t = Stopwatch.GetTimestamp();
                await client.CallToolAsync("bench_noop", "{}");
                direct.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            }
            for (var i = 0; i < round; i++)
            {
                var t = Stopwatch.GetTimestamp();
                var result = await invoker.InvokeAsync(request);
                resilient.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                if (!result.Success) throw new InvalidOperationException("the no-op failed");
            }
            for (var i = 0; i < round; i++)
            {
                var t = Stopwatch.GetTimestamp();
                await client.CallToolAsync("bench_noop", "{}", new ToolCallOptions(DisableTracking: true));
                untracked.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            }
            for (var i = 0; i < round; i++)
            {
                var t = Stopwatch.GetTimestamp();
                await invoker.RankAsync(request);
                rankOnly.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            }
        }
        direct.Sort();
        resilient.Sort();
        rankOnly.Sort();
        untracked.Sort();
        double P(List<double> l, double q) => l[Math.Min(l.Count - 1, (int)(l.Count * q))];
        Console.WriteLine($"\n{calls:N0} calls each, 1 caller, in-process cluster, SQLite storage, MiniLM (scenario cached), shortlist 20");
        Console.WriteLine($"{"",28} {"p50 ms",8} {"p99 ms",8}");
        Console.WriteLine($"{"direct CallToolAsync(noop)",28} {P(direct, 0.5),8:0.000} {P(direct, 0.99),8:0.000}");
        Console.WriteLine($"{"direct, disable_tracking",28} {P(untracked, 0.5),8:0.000} {P(untracked, 0.99),8:0.000}");
        Console.WriteLine($"{"CallToolResilientAsync",28} {P(resilient, 0.5),8:0.000} {P(resilient, 0.99),8:0.000}");
        Console.WriteLine($"{"RankAsync (no run, no writes)",28} {P(rankOnly, 0.5),8:0.000} {P(rankOnly, 0.99),8:0.000}");
        Console.WriteLine($"{"invoker overhead",28} {P(resilient, 0.5) - P(direct, 0.5),8:0.000} {P(resilient, 0.99) - P(direct, 0.99),8:0.000}   ratio p50 {P(resilient, 0.5) / P(direct, 0.5):0.00}x");
        Console.WriteLine($"{"overhead vs untracked direct",28} {P(resilient, 0.5) - P(untracked, 0.5),8:0.000} {P(resilient, 0.99) - P(untracked, 0.99),8:0.000}");
        Console.WriteLine("goal: overhead <= 1 ms at p50. The invoker counts usage and records the success after answering; the direct call awaits its usage write.");
        return 0;
    }

    public static async Task<int> RunRoutingAsync(string[] args)
    {
        var calls = Options.Int(args, "--calls", 500);
        var seed = Options.Int(args, "--seed", 42);
        var driftCalls = Options.Int(args, "--drift-calls", 600);

        // Hidden truth: what each tool fails on. Descriptions and declared qualities do not tell.
        // 1. By language: a failure names the language, so negative tags (not-for-rust) carry the lesson.
        string[] codeTemplates = ["analyze {0} code", "lint this {0} file", "check the {0} source for bugs", "review my {0} snippet", "find problems in {0} code"];
        await RouteAsync("by language (negative tags)", calls, seed,
        [
            ("route_polyglot", "Analyzes code in any programming language", 0.95, ["javascript", "rust", "sql"]),
            ("route_linter", "Lints source files for common mistakes", 0.90, ["python", "yaml"]),
            ("route_checker", "Checks code quality and style", 0.85, ["json", "rust"]),
            ("route_reviewer", "Reviews source code and reports problems", 0.80, ["javascript", "python", "sql"]),
            ("route_basic", "Basic analysis of text files", 0.60, ["yaml", "json"]),
        ],
        [.. new[] { "python", "javascript", "rust", "sql", "yaml", "json" }.Select(l => (l, codeTemplates.Select(t => string.Format(System.Globalization.CultureInfo.InvariantCulture, t, l)).ToArray()))]);

        // 2. By kind of task, in words no negative-tag vocabulary knows: only the semantic failure memory (a
        // similar past failure demotes by 0.3) carries the lesson to differently worded requests.
        await RouteAsync("by task (semantic failure memory only)", calls, seed,
        [
            ("text_swiss", "Does anything with text documents", 0.95, ["summarize", "translate"]),
            ("text_pro", "Professional text processing service", 0.90, ["extract", "classify"]),
            ("text_lite", "Lightweight text utility", 0.80, ["summarize", "extract"]),
            ("text_basic", "Simple text helper", 0.70, ["translate", "classify"]),
        ],
        [
            ("summarize", ["summarize this article", "give me a short summary of the report", "condense these meeting notes", "write a brief abstract of the paper"]),
            ("translate", ["translate this letter into german", "render the text in spanish", "convert the paragraph to french", "translate the email to italian"]),
            ("extract", ["extract the names and dates from this text", "pull the invoice numbers out of the document", "find all email addresses in the text", "extract key entities from the article"]),
            ("classify", ["classify the sentiment of this review", "label this ticket by topic", "categorize the support request", "decide whether this message is spam"]),
        ]);

        // 3. Drift: an outage that ends, a rate limit, a single-tool tag with one bad input kind, a description that claims too much.
        if (driftCalls > 0) await DriftBench.RunAsync(driftCalls, seed);
        return 0;
    }

    private static async Task RouteAsync(
        string title, int calls, int seed, (string Id, string Description, double Quality, string[] FailsOn)[] tools, (string Kind, string[] Phrasings)[] kinds)
    {
        await using var cluster = await StartAsync();
        var client = cluster.Client;
        var catalog = client.GetGrain<IToolCatalogGrain>("default");
        foreach (var t in tools)
            await catalog.RegisterAsync(new ToolDescriptor(t.Id, "1.0.0", t.Description, ["route"], t.Quality, ToolKind.Builtin, "bench_oracle", [], 30, null,
                JsonSerializer.Serialize(new { fails_on = t.FailsOn })));
        var random = new Random(seed);
        var invoker = client.GetGrain<IResilientInvokerGrain>(0);

        // What picking blindly would give: the chance that a uniformly random tool works for a kind.
        var blind = kinds.Average(k => tools.Count(t => !t.FailsOn.Contains(k.Kind)) / (double)tools.Length);
        Console.WriteLine($"\n[{title}] {tools.Length} tools, {kinds.Length} kinds x {kinds[0].Phrasings.Length} phrasings, {calls} calls, seed {seed}; a blind first pick works {blind:P0}, an oracle's 100 %");
        Console.WriteLine($"{"calls",10} {"first-attempt success",22} {"mean attempts",14} {"all failed",11}");
        int firstOk = 0, attempts = 0, failed = 0;
        for (var i = 1; i <= calls; i++)
        {
            var (kind, phrasings) = kinds[random.Next(kinds.Length)];
            var scenario = phrasings[random.Next(phrasings.Length)];
            var result = await invoker.InvokeAsync(new ResilientCallRequest(scenario, JsonSerializer.Serialize(new { kind }), ["route"], tools.Length));
            if (result.Attempts[0].Outcome == AttemptOutcomes.Success) firstOk++;
            if (!result.Success) failed++;
            attempts += result.Attempts.Length;
            if (i % 50 == 0)
            {
                Console.WriteLine($"{$"{i - 49}-{i}",10} {firstOk / 50.0,22:P0} {attempts / 50.0,14:0.00} {failed,11}");
                firstOk = attempts = failed = 0;
            }
        }
        foreach (var t in tools)
        {
            var s = await client.GetGrain<IToolReputationGrain>(t.Id).GetStatusAsync();
            Console.WriteLine($"  {t.Id,-16} fails on {string.Join(",", t.FailsOn),-22} quality {s.Quality:0.00}  failure patterns {s.CommonFailures.Length}  negative tags [{string.Join(",", s.NegativeTags.Select(n => n.Tag))}]{(s.Deprecated ? "  DEPRECATED" : "")}");
        }
    }

    private static async Task<InProcessTestCluster> StartAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        var dataDir = Path.Combine(Path.GetTempPath(), "toolgrains-bench-" + Guid.NewGuid().ToString("N")[..8]);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.UseToolGrainsStorage(new ToolGrainsOptions { DataDir = dataDir });
            silo.AddToolGrainsServices();
            silo.Services.AddSingleton<IBuiltinTool, OracleTool>();
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    /// <summary>Fails when the input's <c>kind</c> is in the tool's hidden <c>settings.fails_on</c>.</summary>
    private sealed class OracleTool : IBuiltinTool
    {
        public string Name => "bench_oracle";

        public Task<string> InvokeAsync(ToolDescriptor descriptor, JsonElement input, CancellationToken cancellationToken)
        {
            var kind = input.GetProperty("kind").GetString();
            var failsOn = JsonDocument.Parse(descriptor.SettingsJson).RootElement.GetProperty("fails_on").EnumerateArray().Select(e => e.GetString());
            if (failsOn.Contains(kind)) throw new InvalidOperationException($"cannot handle {kind}");
            return Task.FromResult("""{"ok":true}""");
        }
    }
}
