using System.CommandLine;
using System.Text.Json;
using Spectre.Console;

namespace ToolGrains.Cli;

/// <summary>
/// <c>toolgrains demo</c>: a guided run of the three capabilities against a running silo, using the
/// example tools the silo loads from <c>tools/</c>. Every step prints what happened.
/// </summary>
internal static class DemoCommand
{
    private const string SampleSpec = """
        # Orders API

        ## Overview

        The Orders API lets shops create, read and cancel orders over HTTPS with JSON.

        ## Requirements

        - The API MUST authenticate every request with a bearer token.
        - The API MUST return 201 with the order id when an order is created.
        - Clients SHOULD retry a 503 answer with exponential backoff.

        ## Constraints

        - At most 100 requests per second per client.
        - Payloads are limited to 64 KB.

        ## Examples

        ```bash
        curl -X POST https://shop.example/orders -d '{"items":[1,2]}'
        ```
        """;

    public static Command Build(Func<ParseResult, CancellationToken, Func<IGrainFactory, CliOutput, Task<int>>, Task<int>> withCluster)
    {
        var command = new Command("demo", """
            Walk through buffers, failure learning and spec extraction on a running silo, with the example
            tools it loads from tools/ (start it with: dotnet run --project silo).
            Example: toolgrains demo
            """);
        command.SetAction((parse, ct) => withCluster(parse, ct, async (grains, output) =>
        {
            var report = new List<(string Capability, string What)>();
            await BuffersAsync(grains, report);
            await FailureLearningAsync(grains, report);
            await SpecAsync(grains, report);
            if (output.Json)
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(report.Select(r => new { capability = r.Capability, what = r.What })));
            }
            else
            {
                CliOutput.RenderRows("ToolGrains demo", ["capability", "what happened"], report.Select(r => (IReadOnlyList<string>)[r.Capability, r.What]));
            }
            return 0;
        }));
        return command;
    }

    private static async Task BuffersAsync(IGrainFactory grains, List<(string, string)> report)
    {
        Step("Buffers: 12 writes, batches of 5, to the built-in log_batch_writer");
        var protocol = grains.GetGrain<IProtocolGrain>(0);
        await protocol.CallAsync("register_tool", """{"id":"demo_log_sink","description":"Logs demo batches on the silo","builtin":"log_batch_writer"}""");
        var bufferId = $"demo-{DateTime.UtcNow:HHmmss}";
        var buffer = grains.GetGrain<IBufferGrain>(bufferId);
        var flushes = 0;
        for (var i = 1; i <= 12; i++)
        {
            var write = await buffer.WriteAsync(new BufferWriteRequest([$$"""{"n":{{i}}}"""], new BufferSettingsUpdate(null, 5, 60.0, "demo_log_sink")));
            if (write.Flushed) flushes++;
        }
        var flush = await buffer.FlushAsync();
        var status = await buffer.GetStatusAsync();
        report.Add(("Buffers", $"12 durable writes to '{bufferId}' sealed {flushes} batches of 5; a manual flush sent the last {flush.FlushedCount}; " +
            $"the pass-through tool confirmed {status.TotalFlushed} items in {status.BatchesFlushed} calls"));
    }

    private static async Task FailureLearningAsync(IGrainFactory grains, List<(string, string)> report)
    {
        Step("Failure learning: 'translate english to french' with the tools tagged translation, twice");
        var input = """{"text":"Hello world","target":"fr"}""";
        var first = await grains.CallToolResilientAsync("translate english to french", input, ["translation"]);
        if (first.Candidates == 0)
        {
            report.Add(("Failure learning", "no tool tagged 'translation' is registered: start the silo from the repository root so it loads tools/*.yaml"));
            return;
        }
        var second = await grains.CallToolResilientAsync("translate english to french", input, ["translation"]);
        report.Add(("Failure learning",
            $"first call: {Describe(first)}; second call: {Describe(second)}"));
    }

    private static string Describe(ResilientCallResult result) =>
        string.Join(" → ", result.Attempts.Select(a => $"{a.ToolId} {a.Outcome}")) + (result.Success ? $" (answered by {result.ToolId})" : " (no tool succeeded)");

    private static async Task SpecAsync(IGrainFactory grains, List<(string, string)> report)
    {
        Step("Spec extraction: a small Orders API specification, summarized to 400 characters");
        var json = await grains.GetGrain<ISpecExtractorGrain>(0).ExtractTextAsync(SampleSpec, summarize: true, maxLength: 400);
        var root = JsonDocument.Parse(json).RootElement;
        var sections = root.GetProperty("sections");
        report.Add(("Spec extraction",
            $"{sections.GetProperty("requirements").GetArrayLength()} requirements, {sections.GetProperty("constraints").GetArrayLength()} constraints, " +
            $"{sections.GetProperty("code_blocks").GetArrayLength()} code block; summary {root.GetProperty("overseer_spec").GetString()!.Length} of {root.GetProperty("stats").GetProperty("chars").GetInt32()} characters"));
    }

    private static void Step(string text)
    {
        if (!Console.IsErrorRedirected) CliOutput.Err.MarkupLine($"[grey]» {Markup.Escape(text)}[/]");
        else Console.Error.WriteLine($"» {text}");
    }
}
