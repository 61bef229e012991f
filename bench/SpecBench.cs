using System.Diagnostics;
using System.Text;
using Markdig;
using ToolGrains.Core.Specs;

namespace ToolGrains.Bench;

/// <summary>Spec extraction against a bare <c>Markdown.Parse</c> of the same text, in the same run.</summary>
internal static class SpecBench
{
    public static int Run(string[] args)
    {
        var runs = Options.Int(args, "--runs", 7);
        Console.WriteLine($"spec extraction vs Markdown.Parse (median of {runs} runs, Release, this machine)");
        Console.WriteLine($"{"size",8} {"parse ms",10} {"extract ms",11} {"ratio",7} {"extract MB/s",13} {"+2000 tok ms",13} {"tok ratio",10}");
        SpecTokens.Count("warm the tokenizer once"); // its vocabulary loads on first use, ~0.5 s
        foreach (var size in new[] { 50 * 1024, 1024 * 1024, 10 * 1024 * 1024 })
        {
            var text = Generate(size);
            var mb = Encoding.UTF8.GetByteCount(text) / 1_000_000.0;
            // Warm both paths once so JIT time is not measured.
            Markdown.Parse(text, MarkdownSpecParser.Pipeline);
            SpecExtractor.Default.Extract(text);
            SpecExtractor.Default.Extract(text, true, 100_000, 2_000);
            var parse = Median(runs, () => Markdown.Parse(text, MarkdownSpecParser.Pipeline));
            var extract = Median(runs, () => SpecExtractor.Default.Extract(text, true, 10_000));
            var tokens = Median(runs, () => SpecExtractor.Default.Extract(text, true, 100_000, 2_000));
            Console.WriteLine($"{Label(size),8} {parse,10:0.00} {extract,11:0.00} {extract / parse,7:0.00} {mb / (extract / 1000),13:0.0} {tokens,13:0.00} {tokens / parse,10:0.00}");
        }
        Console.WriteLine("goal: ratio <= 2.0; anchor: the replaced system took ~50 ms for 50 KB");
        Console.WriteLine();
        Console.WriteLine("pathological inputs (goal: a clean invalid_request in <= 1,000 ms each)");
        foreach (var (name, text) in Pathological())
        {
            var sw = Stopwatch.StartNew();
            long allocated = GC.GetAllocatedBytesForCurrentThread();
            string answer;
            try
            {
                SpecExtractor.Default.Extract(text);
                answer = "accepted";
            }
            catch (ToolGrainsException e)
            {
                answer = e.Code;
            }
            Console.WriteLine($"{name,-34} {text.Length,10:N0} chars {sw.Elapsed.TotalMilliseconds,9:0.0} ms {(GC.GetAllocatedBytesForCurrentThread() - allocated) / 1e6,8:0.0} MB allocated  {answer}");
        }
        return 0;
    }

    private static IEnumerable<(string, string)> Pathological()
    {
        static string List(int depth) => string.Concat(Enumerable.Range(0, depth).Select(i => new string(' ', 2 * i) + "- item\n"));
        yield return ("list nested 64 deep", List(64));
        yield return ("128 '>' quotes", new string('>', 128) + " x\n");
        var big = new StringBuilder();
        var deep = List(2_000);
        while (big.Length < 4_000_000) big.Append(deep, 0, Math.Min(deep.Length, 4_000_000 - big.Length));
        yield return ("4 MB list nested 2,000 deep", big.ToString());
        var bomb = new StringBuilder("openapi: 3.0.0\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (var c = 'b'; c <= 'i'; c++)
            bomb.Append($"{c}: &{c} [{string.Join(",", Enumerable.Repeat($"*{(char)(c - 1)}", 9))}]\n");
        yield return ("YAML alias bomb (9^9 nodes)", bomb.ToString());
    }

    private static double Median(int runs, Action action)
    {
        var times = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            GC.Collect();
            var sw = Stopwatch.StartNew();
            action();
            times.Add(sw.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        return times[times.Count / 2];
    }

    private static string Label(int size) => size >= 1024 * 1024 ? $"{size / (1024 * 1024)} MB" : $"{size / 1024} KB";

    /// <summary>A "REST API Requirements"-shaped document of about <paramref name="bytes"/> bytes.</summary>
    public static string Generate(int bytes)
    {
        var sb = new StringBuilder("# REST API Requirements\n\n## Overview\n\nThe Orders API lets partners create, read and cancel orders over HTTPS with JSON.\n\n");
        for (var part = 1; sb.Length < bytes; part++)
        {
            sb.Append($"## Functional Requirements {part}\n\n");
            for (var i = 1; i <= 20; i++)
                sb.Append($"- REQ-{part}.{i}: The API MUST validate field {i} of resource {part} and return a *documented* [error](https://example.invalid/e{i}).\n");
            sb.Append($"\n## Performance Constraints {part}\n\n");
            for (var i = 1; i <= 8; i++)
                sb.Append($"- Requests to group {i} SHOULD finish within {i * 25} ms; payloads are limited to {i * 64} KB.\n");
            sb.Append($"\n## Examples {part}\n\nCreate an order:\n\n```json\n{{\"order\": {part}, \"items\": [1, 2, 3]}}\n```\n\n");
            sb.Append("| field | type | required |\n|---|---|---|\n| id | string | yes |\n| total | number | no |\n\n");
        }
        return sb.ToString();
    }
}

internal static class Options
{
    public static int Int(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var v) ? v : fallback;
    }

    public static double Double(string[] args, string name, double fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && double.TryParse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : fallback;
    }

    public static string? String(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
