using System.Globalization;
using System.Text;

namespace ToolGrains.Bench;

/// <summary>Latencies in log-spaced buckets (2 % wide from 10 µs): percentiles of millions of calls in 10 KB.</summary>
internal sealed class LatencyHistogram
{
    private const double MinMs = 0.01;
    private static readonly double LogGrowth = Math.Log(1.02);
    private readonly long[] _counts = new long[1200]; // up to 0.01 ms × 1.02^1200, far past any timeout

    public long Count { get; private set; }
    public double Max { get; private set; }

    public void Record(double ms)
    {
        var i = ms <= MinMs ? 0 : Math.Min(_counts.Length - 1, (int)(Math.Log(ms / MinMs) / LogGrowth));
        _counts[i]++;
        Count++;
        Max = Math.Max(Max, ms);
    }

    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < _counts.Length; i++) _counts[i] += other._counts[i];
        Count += other.Count;
        Max = Math.Max(Max, other.Max);
    }

    /// <summary>The latency below which a fraction <paramref name="q"/> of the calls fell (bucket middle); NaN when empty.</summary>
    public double Percentile(double q)
    {
        if (Count == 0) return double.NaN;
        var target = Math.Max(1, (long)Math.Ceiling(q * Count));
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= target) return Math.Min(Max, MinMs * Math.Exp((i + 0.5) * LogGrowth));
        }
        return Max;
    }
}

/// <summary>The soak's figures as CSV and as an SVG plot (throughput, latency, memory over time).</summary>
internal static class SoakReport
{
    private static readonly string[] Colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];

    /// <summary>Least-squares slope of y over x.</summary>
    public static double Slope(IReadOnlyList<(double X, double Y)> points)
    {
        var mx = points.Average(p => p.X);
        var my = points.Average(p => p.Y);
        var den = points.Sum(p => (p.X - mx) * (p.X - mx));
        return den == 0 ? 0 : points.Sum(p => (p.X - mx) * (p.Y - my)) / den;
    }

    public static void WriteCsv(string path, IReadOnlyList<SoakSample> rows, int silos)
    {
        var kinds = rows.FirstOrDefault()?.Kinds.Select(k => k.Name).ToList() ?? [];
        var csv = new StringBuilder();
        csv.Append("elapsed_s");
        foreach (var k in kinds) csv.Append(CultureInfo.InvariantCulture, $",{k}_per_s,{k}_p50_ms,{k}_p99_ms,{k}_errors,{k}_shed");
        var siloCount = rows.FirstOrDefault()?.Silos.Count ?? silos;
        for (var s = 1; s <= siloCount; s++) csv.Append(CultureInfo.InvariantCulture, $",silo{s}_rss_mb,silo{s}_managed_mb,silo{s}_activations");
        csv.AppendLine();
        foreach (var row in rows)
        {
            csv.Append(F(row.Elapsed.TotalSeconds));
            foreach (var k in row.Kinds) csv.Append(CultureInfo.InvariantCulture, $",{F(row.Rate(k.Name))},{F(k.P50)},{F(k.P99)},{k.Errors},{k.Shed}");
            foreach (var s in row.Silos) csv.Append(CultureInfo.InvariantCulture, $",{(s.ResidentMb is { } r ? F(r) : "")},{F(s.ManagedMb)},{s.Activations}");
            csv.AppendLine();
        }
        File.WriteAllText(path, csv.ToString());
    }

    public static void WriteSvg(string path, IReadOnlyList<SoakSample> rows, IReadOnlyList<string> kinds, int silos, string subtitle)
    {
        const int width = 960, panelHeight = 230, top = 50;
        var svg = new StringBuilder();
        svg.AppendLine(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{top + 3 * (panelHeight + 40)}" font-family="sans-serif" font-size="12">""");
        svg.AppendLine("""<rect width="100%" height="100%" fill="white"/>""");
        svg.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{width / 2}" y="22" text-anchor="middle" font-size="16">ToolGrains soak: {Escape(subtitle)}</text>""");
        double Minutes(SoakSample r) => r.Elapsed.TotalMinutes;

        var throughput = kinds.Select(k => (k + "/s", rows.Select(r => (Minutes(r), r.Rate(k))).ToList())).ToList();
        Panel(svg, 0, top, width, panelHeight, "throughput (operations/s)", throughput, logScale: true);

        var latency = kinds.SelectMany(k => new[]
        {
            (k + " p50", rows.Select(r => (Minutes(r), r.Kinds.First(x => x.Name == k).P50)).ToList()),
            (k + " p99", rows.Select(r => (Minutes(r), r.Kinds.First(x => x.Name == k).P99)).ToList()),
        }).ToList();
        Panel(svg, 0, top + panelHeight + 40, width, panelHeight, "latency (ms)", latency, logScale: true);

        var siloCount = rows.FirstOrDefault()?.Silos.Count ?? silos;
        var resident = rows.All(r => r.Silos.All(s => s.ResidentMb is not null));
        var memory = Enumerable.Range(0, siloCount).Select(s => (
            $"silo {s + 1} {(resident ? "RSS" : "managed")}",
            rows.Select(r => (Minutes(r), resident ? r.Silos[s].ResidentMb!.Value : r.Silos[s].ManagedMb)).ToList())).ToList();
        Panel(svg, 0, top + 2 * (panelHeight + 40), width, panelHeight, "silo memory (MB)", memory, logScale: false);
        svg.AppendLine("</svg>");
        File.WriteAllText(path, svg.ToString());
    }

    private static void Panel(StringBuilder svg, int x0, int y0, int width, int height, string title,
        IReadOnlyList<(string Name, List<(double X, double Y)> Points)> series, bool logScale)
    {
        const int left = 70, right = 170, bottom = 30;
        var plotWidth = width - left - right;
        var plotHeight = height - bottom;
        var points = series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.Y) && (!logScale || p.Y > 0)).ToList();
        var maxX = points.Count == 0 ? 1 : Math.Max(points.Max(p => p.X), 0.001);
        double minY, maxY;
        if (logScale)
        {
            minY = Math.Pow(10, Math.Floor(Math.Log10(points.Count == 0 ? 0.1 : points.Min(p => p.Y))));
            maxY = Math.Pow(10, Math.Ceiling(Math.Log10(points.Count == 0 ? 1 : points.Max(p => p.Y))));
            if (maxY <= minY) maxY = minY * 10;
        }
        else
        {
            minY = 0;
            maxY = NiceCeiling(points.Count == 0 ? 1 : points.Max(p => p.Y) * 1.1);
        }
        double Px(double x) => x0 + left + x / maxX * plotWidth;
        double Py(double y) => y0 + plotHeight - (logScale
            ? (Math.Log10(y) - Math.Log10(minY)) / (Math.Log10(maxY) - Math.Log10(minY))
            : (y - minY) / (maxY - minY)) * plotHeight;

        svg.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{x0 + left}" y="{y0 - 8}" font-size="13" font-weight="bold">{Escape(title)}</text>""");
        svg.AppendLine(CultureInfo.InvariantCulture, $"""<rect x="{x0 + left}" y="{y0}" width="{plotWidth}" height="{plotHeight}" fill="none" stroke="#888"/>""");
        // Y ticks: decades on a log scale, fifths on a linear one.
        var ticks = logScale
            ? Enumerable.Range(0, (int)Math.Round(Math.Log10(maxY / minY)) + 1).Select(i => minY * Math.Pow(10, i))
            : Enumerable.Range(0, 6).Select(i => maxY * i / 5);
        foreach (var t in ticks)
        {
            var y = Py(t);
            svg.AppendLine(CultureInfo.InvariantCulture, $"""<line x1="{F(x0 + left)}" y1="{F(y)}" x2="{F(x0 + left + plotWidth)}" y2="{F(y)}" stroke="#eee"/>""");
            svg.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{F(x0 + left - 6)}" y="{F(y + 4)}" text-anchor="end">{Escape(Label(t))}</text>""");
        }
        for (var i = 0; i <= 10; i++)
        {
            var minute = maxX * i / 10;
            svg.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{F(Px(minute))}" y="{F(y0 + plotHeight + 16)}" text-anchor="middle">{minute:0.#}</text>""");
        }
        svg.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{F(x0 + left + plotWidth / 2.0)}" y="{F(y0 + plotHeight + 29)}" text-anchor="middle" fill="#555">minutes</text>""");
        for (var s = 0; s < series.Count; s++)
        {
            var color = Colors[s % Colors.Length];
            var dashed = series[s].Name.EndsWith("p99", StringComparison.Ordinal) ? """ stroke-dasharray="5,3" """ : " ";
            var path = string.Join(" ", series[s].Points.Where(p => double.IsFinite(p.Y) && (!logScale || p.Y > 0)).Select(p => $"{F(Px(p.X))},{F(Py(p.Y))}"));
            svg.AppendLine(CultureInfo.InvariantCulture, $"""<polyline fill="none" stroke="{color}" stroke-width="1.5"{dashed}points="{path}"/>""");
            var ly = y0 + 12 + s * 16;
            svg.AppendLine(CultureInfo.InvariantCulture, $"""<line x1="{x0 + left + plotWidth + 12}" y1="{ly - 4}" x2="{x0 + left + plotWidth + 36}" y2="{ly - 4}" stroke="{color}" stroke-width="2"{dashed}/>""");
            svg.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{x0 + left + plotWidth + 42}" y="{ly}">{Escape(series[s].Name)}</text>""");
        }
    }

    private static double NiceCeiling(double value)
    {
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var step in new[] { 1, 2, 2.5, 5, 10 })
            if (step * magnitude >= value) return step * magnitude;
        return 10 * magnitude;
    }

    private static string Label(double v) => v >= 1000 ? (v / 1000).ToString("0.#", CultureInfo.InvariantCulture) + "k" : v.ToString("0.###", CultureInfo.InvariantCulture);

    private static string F(double v) => double.IsFinite(v) ? v.ToString("0.###", CultureInfo.InvariantCulture) : "";

    private static string Escape(string s) => s.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal);
}
