using ToolGrains.Bench;

// Load drivers that print ratios against a baseline measured in the same run (README, Benchmarks):
// the machines are shared and noisy, so absolute figures mean little on their own.
return args.FirstOrDefault() switch
{
    "buffer" => await BufferBench.RunAsync(args[1..]),
    "spec" => SpecBench.Run(args[1..]),
    "reputation" => await ReputationBench.RunAsync(),
    "invoke" => await InvokeBench.RunInvokeAsync(args[1..]),
    "routing" => await InvokeBench.RunRoutingAsync(args[1..]),
    "soak" => await SoakBench.RunAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        usage: dotnet run -c Release --project bench -- <benchmark> [options]
          buffer [--seconds N] [--profiles embedded,postgres] [--postgres CONNECTION] [--callers 1,16,256] [--cost] [--probe-store sync|async]
                 [--backlog-only]
                 acknowledged buffer writes/s vs no-op grain calls/s at 1, 16 and 256 producers; --cost prints CPU and
                 bytes allocated per call; --probe-store replaces storage by one that stores nothing (the ceiling);
                 --backlog-only measures only the sink-down writes at backlog 0 and 9,000
          spec   [--runs N]   extraction vs a bare Markdig parse of 50 KB, 1 MB and 10 MB
          reputation          failure_demotion against 1,000 failures; embedding throughput, cold and cached
          invoke [--tools 1000] [--failures 10] [--calls 3000]
                 the resilient invoker's overhead per call (p50, p99) vs a direct CallToolAsync of the builtin no-op
          routing [--calls 500] [--seed 42] [--drift-calls 600]
                 learning curve: first-attempt success per 50 calls over tools with hidden failure patterns, then a
                 drift stream (an outage that ends, a rate limit, a single-tool tag with one bad input kind)
          soak   [--minutes 10] [--silos 3] [--postgres CONNECTION] [--gateways HOST:PORT,...] [--cluster-id toolgrains]
                 [--writes 1000] [--calls 100] [--marks 10] [--ramp-seconds 20] [--sample-seconds 10] [--out DIR]
                 mixed load held at those rates/s (reached by a linear ramp): buffer writes, resilient calls, failure marks; starts a private
                 PostgreSQL and the silos unless given a running cluster's gateways; prints throughput, latency
                 percentiles, errors and silo memory per sample, then writes soak.csv and soak.svg; exit 1 on
                 errors, shed load or growing memory
        """);
    return 2;
}
