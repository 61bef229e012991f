using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.TestingHost;
using ToolGrains.Core.Embeddings;
using ToolGrains.Core.Reputation;
using ToolGrains.Embeddings.MiniLM;
using ToolGrains.Hosting;

namespace ToolGrains.Bench;

/// <summary>
/// <c>dotnet run -c Release --project bench -- reputation</c> (issue 4): the time to compute
/// failure_demotion for one scenario against a tool holding 1,000 failures — on Core's model alone and
/// through the reputation grain of an in-process cluster — and MiniLM embedding throughput, cold and
/// cached. The anchor: the system ToolGrains replaces spent 5–10 ms on its failure-history check.
/// Each figure is the median of 3 runs.
/// </summary>
public static class ReputationBench
{
    private const int Failures = 1_000;
    private const int Runs = 3;

    public static async Task<int> RunAsync()
    {
        using var model = new MiniLmEmbeddingGenerator();
        var scenarios = Scenarios(Failures);
        var vectors = (await model.GenerateAsync(scenarios)).Select(e => e.Vector.ToArray()).ToArray();
        const string probe = "lint this javascript file";
        var probeVector = (await model.GenerateAsync([probe])).Single().Vector.ToArray();

        // 1. Core's failure memory holding 1,000 failures (patterns capped by the policy).
        var policy = QualityPolicy.Default;
        var memory = new FailureMemory();
        var start = DateTimeOffset.UtcNow.AddDays(-30);
        for (var i = 0; i < Failures; i++)
            memory.Record(scenarios[i], vectors[i], "error", FailureSeverity.High, start.AddMinutes(i * 40), policy);
        var now = DateTimeOffset.UtcNow;
        var pure = Median(Runs, () => PerCall(10_000, () => memory.Assess(probeVector, now, policy, probe)));
        Console.WriteLine($"failure_demotion, Core model, {Failures} failures in {memory.Patterns.Count} patterns: {pure * 1e6:F1} µs per scenario");
        // Worst case: no failure joins another, so the memory sits at its pattern cap.
        var apart = policy with { PatternJoinThreshold = 1.0 };
        var full = new FailureMemory();
        for (var i = 0; i < Failures; i++)
            full.Record(scenarios[i], vectors[i], "error", FailureSeverity.High, start.AddMinutes(i * 40), apart);
        var worst = Median(Runs, () => PerCall(10_000, () => full.Assess(probeVector, now, apart, probe)));
        Console.WriteLine($"failure_demotion, Core model, {Failures} failures at the cap of {full.Patterns.Count} patterns: {worst * 1e6:F1} µs per scenario");

        // 2. Through the grain (client → silo call, state loaded), the tool holding 1,000 failures.
        var grainLatency = await GrainAssessAsync(scenarios, vectors, probe, probeVector);
        Console.WriteLine($"failure_demotion, reputation grain via the client, {Failures} failures: p50 {grainLatency.P50 * 1e3:F3} ms, p99 {grainLatency.P99 * 1e3:F3} ms");

        // 3. Embedding throughput: cold (distinct texts, one per call and 32 per call) and cached.
        var fresh = Scenarios(256, salt: "bench");
        var coldSingle = Median(Runs, () => Throughput(fresh.Take(64).ToArray(), t => model.GenerateAsync([t]).GetAwaiter().GetResult()));
        var coldBatch = Median(Runs, () =>
        {
            var sw = Stopwatch.StartNew();
            foreach (var chunk in fresh.Chunk(32)) model.GenerateAsync(chunk).GetAwaiter().GetResult();
            return fresh.Length / sw.Elapsed.TotalSeconds;
        });
        using var cached = new LruCachingEmbeddingGenerator(new MiniLmEmbeddingGenerator());
        await cached.GenerateAsync(fresh);
        var warm = Median(Runs, () => Throughput(fresh, t => cached.GenerateAsync([t]).GetAwaiter().GetResult()));
        Console.WriteLine($"MiniLM embeddings: cold {coldSingle:F0}/s one per call, {coldBatch:F0}/s 32 per call; cached {warm:F0}/s");
        return 0;
    }

    private static async Task<(double P50, double P99)> GrainAssessAsync(string[] scenarios, float[][] vectors, string probe, float[] probeVector)
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "toolgrains-bench-" + Guid.NewGuid().ToString("N")[..8]);
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.UseToolGrainsStorage(new ToolGrainsOptions { DataDir = dataDir });
            silo.AddToolGrainsServices();
        });
        await using var cluster = builder.Build();
        await cluster.DeployAsync();
        var catalog = cluster.Client.GetGrain<IToolCatalogGrain>("default");
        await catalog.RegisterAsync(new ToolDescriptor("bench_tool", "1", "Analyzes code in any programming language", ["code"], 0.9,
            ToolKind.Builtin, "log_batch_writer", [], 30, null, "{}"));
        var tool = cluster.Client.GetGrain<IToolReputationGrain>("bench_tool");
        for (var i = 0; i < scenarios.Length; i++)
            await tool.MarkFailureAsync(new ToolFailureReport(scenarios[i], "error", "low", [.. vectors[i]]));
        ImmutableArray<float> embedding = [.. probeVector];
        for (var i = 0; i < 200; i++) await tool.AssessScenarioAsync(embedding, probe);
        var samples = new double[2_000];
        for (var i = 0; i < samples.Length; i++)
        {
            var t = Stopwatch.GetTimestamp();
            await tool.AssessScenarioAsync(embedding, probe);
            samples[i] = Stopwatch.GetElapsedTime(t).TotalSeconds;
        }
        Array.Sort(samples);
        try { Directory.Delete(dataDir, recursive: true); } catch (IOException) { }
        return (samples[samples.Length / 2], samples[(int)(samples.Length * 0.99)]);
    }

    // Varied scenarios over tasks and domains, so failures spread over many patterns as in real use.
    private static string[] Scenarios(int count, string salt = "")
    {
        string[] tasks = ["analyze", "lint", "parse", "convert", "summarize", "translate", "validate", "format"];
        string[] subjects = ["javascript code", "python script", "JSON data", "YAML config", "CSV file", "markdown notes", "SQL query", "french text"];
        return [.. Enumerable.Range(0, count).Select(i => $"{tasks[i % tasks.Length]} this {subjects[i / tasks.Length % subjects.Length]} {salt}{i / 64}")];
    }

    private static double PerCall(int n, Action action)
    {
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < n; i++) action();
        return sw.Elapsed.TotalSeconds / n;
    }

    private static double Throughput(string[] texts, Action<string> embed)
    {
        var sw = Stopwatch.StartNew();
        foreach (var text in texts) embed(text);
        return texts.Length / sw.Elapsed.TotalSeconds;
    }

    private static double Median(int runs, Func<double> measure)
    {
        var values = Enumerable.Range(0, runs).Select(_ => measure()).Order().ToArray();
        return values[values.Length / 2];
    }
}
