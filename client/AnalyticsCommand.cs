using System.CommandLine;
using System.Globalization;
using Spectre.Console;

namespace ToolGrains.Cli;

/// <summary><c>toolgrains analytics</c>: what the cluster has learned, as tables or the JSON of <c>/api/analytics</c>.</summary>
internal static class AnalyticsCommand
{
    public static Command Build(Func<ParseResult, CancellationToken, Func<IGrainFactory, CliOutput, Task<int>>, Task<int>> withCluster)
    {
        var top = new Option<int>("--top") { Description = "Rows per table (default 10; --json is never cut)", DefaultValueFactory = _ => 10 };
        var command = new Command("analytics", """
            Failure analytics of every registered tool: most failed tools, common failure scenarios (grouped
            across tools by similarity), quality trends, negative-tag history, deprecated tools and usage.
            The same report is served as JSON at http://SILO:8080/api/analytics and drawn at http://SILO:8080/.

            Examples:
              toolgrains analytics
              toolgrains analytics --top 25
              toolgrains --json analytics | jq '.common_failure_scenarios[0]'
            """) { top };
        command.SetAction((parse, ct) => withCluster(parse, ct, async (grains, output) =>
        {
            var analytics = grains.GetGrain<IAnalyticsGrain>(0);
            if (output.Json)
            {
                Console.Out.WriteLine(await analytics.GetReportJsonAsync());
                return 0;
            }
            Render(await analytics.GetReportAsync(), Math.Max(1, parse.GetValue(top)));
            return 0;
        }));
        return command;
    }

    private static void Render(AnalyticsReport report, int top)
    {
        AnsiConsole.MarkupLine($"[bold]{report.ToolCount}[/] tool(s), [bold]{report.TotalFailures}[/] failure(s), " +
            $"[bold]{report.DeprecatedTools.Length}[/] deprecated · {Time(report.GeneratedAt)} UTC");

        if (report.MostFailedTools.Length > 0)
        {
            var chart = new BarChart().Label("[bold]failures by tool[/]").LeftAlignLabel().Width(Math.Min(100, Console.IsOutputRedirected ? 80 : AnsiConsole.Profile.Width));
            foreach (var tool in report.MostFailedTools.Take(top))
                chart.AddItem(Markup.Escape(tool.ToolId), tool.FailureCount, tool.Deprecated ? Color.Red : Color.Orange1);
            AnsiConsole.Write(chart);
        }
        CliOutput.RenderRows("most failed tools", ["tool", "failures", "quality", "registered", "last failure", "deprecated"],
            report.MostFailedTools.Take(top).Select(t => (IReadOnlyList<string>)[
                t.ToolId, Num(t.FailureCount), Q(t.Quality), Q(t.RegisteredQuality), Time(t.LastFailureAt), t.Deprecated ? "yes" : "no"]), noWrapColumns: 1);
        CliOutput.RenderRows("common failure scenarios", ["failures", "scenario", "tools", "last seen", "latest error"],
            report.CommonFailureScenarios.Take(top).Select(g => (IReadOnlyList<string>)[
                Num(g.Count), g.Name, string.Join(", ", g.Tools.Select(t => $"{t.ToolId} ({t.Count})")), Time(g.LastSeen), g.LatestError ?? "-"]));
        CliOutput.RenderRows("quality trends", ["tool", "registered", "now", "trend", "changes"],
            report.QualityTrends.Where(t => t.Points.Length > 1 || t.Quality != t.RegisteredQuality)
                .OrderBy(t => t.Quality - t.RegisteredQuality).Take(top)
                .Select(t => (IReadOnlyList<string>)[t.ToolId, Q(t.RegisteredQuality), Q(t.Quality), Sparkline(t.Points), Num(t.Points.Length)]), noWrapColumns: 1);
        CliOutput.RenderRows("negative-tag history", ["tool", "tag", "added", "scenario", "error"],
            report.NegativeTagHistory.TakeLast(top).Select(e => (IReadOnlyList<string>)[e.ToolId, e.Tag, Time(e.AddedAt), e.Scenario, e.ErrorMessage ?? "-"]), noWrapColumns: 2);
        if (report.DeprecatedTools.Length > 0)
        {
            CliOutput.RenderRows("deprecated tools", ["tool", "since", "quality", "failures"],
                report.DeprecatedTools.Take(top).Select(d => (IReadOnlyList<string>)[d.ToolId, Time(d.DeprecatedAt), Q(d.Quality), Num(d.FailureCount)]), noWrapColumns: 1);
        }
        CliOutput.RenderRows("usage", ["tool", "calls", "last used", "successes", "failures"],
            report.Usage.Take(top).Select(u => (IReadOnlyList<string>)[u.ToolId, Num(u.UsageCount), Time(u.LastUsedAt), Num(u.SuccessCount), Num(u.FailureCount)]), noWrapColumns: 1);
        static string Ms(double? v) => v is { } d ? d.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) : "-";
        CliOutput.RenderRows("tool health", ["tool", "breaker", "calls", "error rate", "p50 ms", "p95 ms", "p99 ms", "why"],
            (report.Health.IsDefault ? [] : report.Health).Where(h => h.Calls > 0 || h.Breaker != "closed")
                .OrderByDescending(h => h.ErrorRate).ThenBy(h => h.ToolId, StringComparer.Ordinal).Take(top)
                .Select(h => (IReadOnlyList<string>)[h.ToolId, h.Breaker, Num(h.Calls), Q(h.ErrorRate), Ms(h.LatencyP50Ms), Ms(h.LatencyP95Ms), Ms(h.LatencyP99Ms), h.BreakerReason ?? "-"]), noWrapColumns: 1);
    }

    /// <summary>The quality history as block characters, so a trend reads at a glance in a table cell.</summary>
    private static string Sparkline(IReadOnlyList<QualityChange> points)
    {
        const string blocks = "▁▂▃▄▅▆▇█";
        var last = points.TakeLast(24).ToList();
        return string.Concat(last.Select(p => blocks[(int)Math.Round(Math.Clamp(p.Quality, 0, 1) * (blocks.Length - 1))]));
    }

    private static string Q(double quality) => quality.ToString("0.00", CultureInfo.InvariantCulture);

    private static string Num(long n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset? at) =>
        at is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : "-";
}
