using System.Globalization;
using System.Text;

namespace ToolGrains.Core.Specs;

/// <summary>The part of the summary an item was shown in.</summary>
public enum SummarySection
{
    Overview,
    Requirements,
    Constraints,
    Examples,
    KeyPoints,
}

/// <summary>
/// One item the summary shows. <see cref="Text"/> is the slice of the source that appears; when
/// <see cref="Truncated"/> it is a prefix cut at a word boundary and followed by " …".
/// <see cref="Path"/> is its heading path, shown as a <c>### </c> line above the items it covers.
/// </summary>
public sealed record SummaryItem(SummarySection Section, string Text, bool Truncated)
{
    public string Path { get; init; } = "";
}

/// <summary>
/// A summary and the items it shows, so callers and tests can tell content from scaffolding.
/// <see cref="Candidates"/> counts the items it could have shown; <see cref="Tokens"/> is set when
/// a token budget was given.
/// </summary>
public sealed record SpecSummary(string Text, IReadOnlyList<SummaryItem> Items)
{
    public int Candidates { get; init; }

    public int? Tokens { get; init; }

    public IReadOnlyList<SpecWarning> Warnings { get; init; } = [];
}

/// <summary>
/// Builds the summary a planner reads: Overview, Requirements, Constraints, Examples, Key points
/// and a footer, within <c>max_length</c> characters and, when given, <c>max_tokens</c> o200k tokens.
/// <para>
/// Every item gets one place in a single order of value that does not depend on the budget: the
/// overview, the footer, then the sections merged by their shares of the budget (requirements half,
/// constraints and examples a fifth each, key points a tenth), each section in its own order of
/// value (RFC 2119 MUST, then SHOULD and plain requirements, then MAY; source order within a level).
/// The summary shows the longest prefix of that order that fits, and the next item cut at a word
/// when it is prose. So a larger budget always shows everything a smaller one did, and the whole
/// list once it fits. Items are de-duplicated; boilerplate was dropped by the parser.
/// </para>
/// </summary>
public static class SpecSummaryBuilder
{
    public const string OverviewHeading = "## Overview";
    public const string RequirementsHeading = "## Requirements";
    public const string ConstraintsHeading = "## Constraints";
    public const string ExamplesHeading = "## Examples";
    public const string KeyPointsHeading = "## Key points";
    public const string PathPrefix = "### ";
    public const string Ellipsis = " …";
    private const string SectionSeparator = "\n\n";

    // A cut item shows at least this much, or not at all; the overview may be cut shorter.
    private const int MinCutChars = 30;

    private static readonly string[] Headings = [OverviewHeading, RequirementsHeading, ConstraintsHeading, ExamplesHeading, KeyPointsHeading, ""];
    private const int FooterPart = 5;

    /// <summary>The footer line: <c>*Full specification: N characters, W words*</c>.</summary>
    public static string Footer(int chars, int words) =>
        string.Create(CultureInfo.InvariantCulture, $"*Full specification: {chars} characters, {words} words*");

    /// <summary>Builds a summary of at most <paramref name="maxLength"/> characters and <paramref name="maxTokens"/> tokens.</summary>
    /// <exception cref="ToolGrainsException"><c>invalid_request</c> when a budget is below 1.</exception>
    public static SpecSummary Build(SpecSections sections, int chars, int words, int maxLength, SpecExtractionOptions? options = null, int? maxTokens = null)
    {
        ArgumentNullException.ThrowIfNull(sections);
        if (maxLength < 1)
        {
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, "max_length must be at least 1", "max_length");
        }
        if (maxTokens < 1)
        {
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, "max_tokens must be at least 1", "max_tokens");
        }
        options ??= SpecExtractionOptions.Default;
        var (order, perSection) = Rank(sections, Footer(chars, words), options);

        var render = new Renderer(order);
        int k = render.LongestPrefix(maxLength);
        if (maxTokens is { } tokenBudget && SpecTokens.Count(render.Build(k)) > tokenBudget)
        {
            // Tokens grow with the prefix: the longest prefix within the budget by bisection.
            int lo = 0, hi = k - 1;
            while (lo < hi)
            {
                int mid = (lo + hi + 1) / 2;
                if (SpecTokens.Count(render.Build(mid)) <= tokenBudget)
                {
                    lo = mid;
                }
                else
                {
                    hi = mid - 1;
                }
            }
            k = SpecTokens.Count(render.Build(lo)) <= tokenBudget ? lo : 0;
        }
        string text = render.Build(k);
        var cut = k < order.Count ? CutNext(render, k, maxLength, maxTokens) : null;
        if (cut is not null)
        {
            text = cut;
        }
        else
        {
            render.Build(k); // the items of the summary shown, not of a cut tried and refused
        }
        if (text.Length > maxLength)
        {
            // Unreachable by construction; a broken promise must fail loudly, not ship quietly.
            throw new InvalidOperationException($"summary of {text.Length} characters exceeds max_length {maxLength}");
        }
        int? tokens = maxTokens is null ? null : SpecTokens.Count(text);
        var items = render.Items();
        return new SpecSummary(text, items)
        {
            Candidates = order.Count(c => !c.IsFooter),
            Tokens = tokens,
            Warnings = Warnings(items, perSection, maxLength, maxTokens, options),
        };
    }

    // The next item, cut at a word to fill what the budget leaves; null when it may not be cut or
    // too little of it would show.
    private static string? CutNext(Renderer render, int k, int maxLength, int? maxTokens)
    {
        var next = render.Order[k];
        if (!next.Splittable)
        {
            return null;
        }
        int overhead = render.LengthWith(k, "", truncated: true);
        int room = maxLength - overhead;
        var prefix = SpecText.WordPrefix(next.Text, room);
        int min = next.Section == SummarySection.Overview ? 1 : MinCutChars;
        if (prefix.Length < min || prefix.Length >= next.Text.Length)
        {
            return null;
        }
        string shown = prefix.ToString();
        string text = render.Build(k, shown);
        while (text.Length > maxLength)
        {
            // Continuation lines are indented when shown: give the cut back what that costs.
            room -= text.Length - maxLength;
            prefix = SpecText.WordPrefix(next.Text, room);
            if (prefix.Length < min)
            {
                return null;
            }
            shown = prefix.ToString();
            text = render.Build(k, shown);
        }
        if (maxTokens is { } budget && SpecTokens.Count(text) > budget)
        {
            // Bisect on word ends: the longest cut within the token budget.
            var ends = new List<int>();
            for (int i = 1; i < shown.Length; i++)
            {
                if (char.IsWhiteSpace(shown[i]) && !char.IsWhiteSpace(shown[i - 1]))
                {
                    ends.Add(i);
                }
            }
            int lo = -1, hi = ends.Count - 1;
            while (lo < hi)
            {
                int mid = (lo + hi + 1) / 2;
                if (SpecTokens.Count(render.Build(k, shown[..ends[mid]])) <= budget)
                {
                    lo = mid;
                }
                else
                {
                    hi = mid - 1;
                }
            }
            if (lo < 0 || ends[lo] < min)
            {
                return null;
            }
            shown = shown[..ends[lo]];
            text = render.Build(k, shown);
        }
        return text;
    }

    private static IReadOnlyList<SpecWarning> Warnings(IReadOnlyList<SummaryItem> items, int[] perSection, int maxLength, int? maxTokens,
        SpecExtractionOptions options)
    {
        var shown = new int[5];
        int cut = 0;
        foreach (var item in items)
        {
            shown[(int)item.Section]++;
            if (item.Truncated)
            {
                cut++;
            }
        }
        bool omitted = false;
        for (int i = 0; i < 5; i++)
        {
            omitted |= shown[i] < perSection[i];
        }
        if (!omitted && cut == 0)
        {
            return [];
        }
        string budget = maxTokens is { } t ? $"max_length {maxLength} and max_tokens {t}" : $"max_length {maxLength}";
        var message = string.Create(CultureInfo.InvariantCulture,
            $"the summary shows {shown[1]} of {perSection[1]} requirements, {shown[2]} of {perSection[2]} constraints, {shown[3]} of {perSection[3]} examples and {shown[4]} of {perSection[4]} key points within {budget}");
        if (cut > 0)
        {
            message += string.Create(CultureInfo.InvariantCulture, $"; {cut} item(s) cut at a word (items are at most {options.MaxItemChars} characters)");
        }
        return [new SpecWarning("summary_truncated", message)];
    }

    /// <summary>One item in the order of value.</summary>
    internal sealed record Candidate(SummarySection Section, string Text, bool Truncated, string Path, bool Splittable, bool IsFooter = false);

    private static (List<Candidate> Order, int[] PerSection) Rank(SpecSections sections, string footer, SpecExtractionOptions options)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var paths = sections.Paths;
        var order = new List<Candidate>();
        var perSection = new int[5];

        string overview = sections.Overview.Trim();
        if (overview.Length > 0)
        {
            seen.Add(Key(overview));
            perSection[0] = 1;
            if (overview.Length > options.OverviewBudget)
            {
                var prefix = SpecText.WordPrefix(overview, Math.Max(0, options.OverviewBudget - Ellipsis.Length));
                if (!prefix.IsEmpty)
                {
                    order.Add(new Candidate(SummarySection.Overview, prefix.ToString(), true, "", Splittable: true));
                }
            }
            else
            {
                order.Add(new Candidate(SummarySection.Overview, overview, false, "", Splittable: true));
            }
        }
        order.Add(new Candidate(SummarySection.KeyPoints, footer, false, "", Splittable: false, IsFooter: true));

        // Requirements and constraints by RFC 2119 level, stable, so source order holds within a level.
        var requirements = sections.Requirements
            .Select((r, i) => (r.Text, Rank: Requirement.Rank(r.Level), i))
            .OrderBy(r => r.Rank).ThenBy(r => r.i).Select(r => r.Text);
        var constraints = sections.Constraints
            .Select((c, i) => (Text: c, Rank: Rfc2119.FindLevel(c) is { } l ? Requirement.Rank(l) : 1, i))
            .OrderBy(c => c.Rank).ThenBy(c => c.i).Select(c => c.Text);
        IEnumerable<string> keyPoints = sections.KeyPoints ?? UnclassifiedBullets(sections);

        var lists = new List<Candidate>[4];
        lists[0] = Candidates(SummarySection.Requirements, requirements, int.MaxValue, seen, paths, options);
        lists[1] = Candidates(SummarySection.Constraints, constraints, int.MaxValue, seen, paths, options);
        lists[2] = Candidates(SummarySection.Examples, sections.Examples, int.MaxValue, seen, paths, options);
        lists[3] = Candidates(SummarySection.KeyPoints, keyPoints, options.MaxKeyPoints, seen, paths, options);
        for (int i = 0; i < 4; i++)
        {
            perSection[i + 1] = lists[i].Count;
        }

        // Merge by share: an item's place is the budget its section has spent once it is shown,
        // over the section's share, so each section advances at the pace of its share.
        double[] shares = [options.RequirementsShare, options.ConstraintsShare, options.ExamplesShare, options.KeyPointsShare];
        var merged = new List<(double Key, int Section, int Index)>();
        for (int s = 0; s < 4; s++)
        {
            double spent = 0;
            for (int i = 0; i < lists[s].Count; i++)
            {
                spent += lists[s][i].Text.Length + 3;
                merged.Add((spent / shares[s], s, i));
            }
        }
        merged.Sort((a, b) => a.Key != b.Key ? a.Key.CompareTo(b.Key) : a.Section != b.Section ? a.Section.CompareTo(b.Section) : a.Index.CompareTo(b.Index));
        foreach (var (_, s, i) in merged)
        {
            order.Add(lists[s][i]);
        }
        return (order, perSection);
    }

    private static List<string> UnclassifiedBullets(SpecSections sections)
    {
        var classified = new HashSet<string>(sections.Requirements.Select(r => r.Text), StringComparer.Ordinal);
        classified.UnionWith(sections.Constraints);
        classified.UnionWith(sections.Examples);
        return sections.Bullets.Where(b => !classified.Contains(b)).ToList();
    }

    private static List<Candidate> Candidates(SummarySection section, IEnumerable<string> texts, int maxItems, HashSet<string> seen,
        IReadOnlyDictionary<string, string>? paths, SpecExtractionOptions options)
    {
        var list = new List<Candidate>();
        foreach (var raw in texts)
        {
            if (list.Count >= maxItems)
            {
                break;
            }
            string text = raw.Trim();
            if (text.Length == 0 || !seen.Add(Key(text)))
            {
                continue; // the same point said twice, here or in an earlier section
            }
            string path = paths is not null && paths.TryGetValue(raw, out var p) ? p : "";
            if (!path.Contains(" › ", StringComparison.Ordinal) && HeadingClassifier.Classify(path) == ClassOf(section))
            {
                path = ""; // "### Requirements" under "## Requirements" says nothing
            }
            bool code = text.Contains("```", StringComparison.Ordinal) || text.Contains("~~~", StringComparison.Ordinal)
                || text.StartsWith("    ", StringComparison.Ordinal) || text.StartsWith('\t') || text.StartsWith('|');
            if (text.Length > options.MaxItemChars)
            {
                if (code)
                {
                    continue; // half a code block or table misleads more than none
                }
                var prefix = SpecText.WordPrefix(text, options.MaxItemChars - Ellipsis.Length);
                if (prefix.IsEmpty)
                {
                    continue;
                }
                list.Add(new Candidate(section, prefix.ToString(), true, path, Splittable: true));
                continue;
            }
            list.Add(new Candidate(section, text, false, path, Splittable: !code));
        }
        return list;
    }

    private static SpecSectionClass ClassOf(SummarySection section) => section switch
    {
        SummarySection.Requirements => SpecSectionClass.Requirements,
        SummarySection.Constraints => SpecSectionClass.Constraints,
        SummarySection.Examples => SpecSectionClass.Examples,
        _ => SpecSectionClass.General,
    };

    // Two items are the same point when they differ only in case, spacing and a final full stop.
    private static string Key(string text)
    {
        var sb = new StringBuilder(text.Length);
        bool space = false;
        foreach (char c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                space = sb.Length > 0;
                continue;
            }
            if (space)
            {
                sb.Append(' ');
                space = false;
            }
            sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString().TrimEnd('.', ';', ':', ' ');
    }

    /// <summary>Renders a prefix of the order (plus, optionally, the next item cut) into the summary's layout.</summary>
    private sealed class Renderer(List<Candidate> order)
    {
        private readonly StringBuilder[] _parts = [.. Enumerable.Range(0, 6).Select(_ => new StringBuilder())];
        private readonly string[] _lastPath = new string[6];
        private readonly int[] _count = new int[6];
        private readonly List<SummaryItem> _items = [];

        public List<Candidate> Order { get; } = order;

        /// <summary>The most items of the order, from the first, whose summary fits <paramref name="maxLength"/>.</summary>
        public int LongestPrefix(int maxLength)
        {
            Reset();
            for (int k = 0; k < Order.Count; k++)
            {
                var c = Order[k];
                int part = Part(c);
                var (len, count, last) = (_parts[part].Length, _count[part], _lastPath[part]);
                Append(c, c.Text, c.Truncated);
                if (Length() > maxLength)
                {
                    (_parts[part].Length, _count[part], _lastPath[part]) = (len, count, last);
                    if (!c.IsFooter)
                    {
                        _items.RemoveAt(_items.Count - 1);
                    }
                    return k;
                }
            }
            return Order.Count;
        }

        /// <summary>The summary's length with the first <paramref name="k"/> items and the next one showing <paramref name="text"/>.</summary>
        public int LengthWith(int k, string text, bool truncated)
        {
            Build(k);
            Append(Order[k], text, truncated);
            return Length();
        }

        public string Build(int k, string? cutNext = null)
        {
            Reset();
            for (int i = 0; i < k; i++)
            {
                Append(Order[i], Order[i].Text, Order[i].Truncated);
            }
            if (cutNext is not null)
            {
                Append(Order[k], cutNext, truncated: true);
            }
            var sb = new StringBuilder(Length());
            foreach (var part in _parts)
            {
                if (part.Length > 0)
                {
                    if (sb.Length > 0)
                    {
                        sb.Append(SectionSeparator);
                    }
                    sb.Append(part);
                }
            }
            return sb.ToString();
        }

        /// <summary>The items of the last build, in the order the summary shows them.</summary>
        public IReadOnlyList<SummaryItem> Items() => [.. _items.OrderBy(i => i.Section).Where(i => i.Text.Length > 0)];

        private void Reset()
        {
            foreach (var part in _parts)
            {
                part.Clear();
            }
            Array.Clear(_count);
            Array.Clear(_lastPath);
            _items.Clear();
        }

        private static int Part(Candidate c) => c.IsFooter ? FooterPart : (int)c.Section;

        private int Length()
        {
            int total = 0, parts = 0;
            foreach (var part in _parts)
            {
                if (part.Length > 0)
                {
                    total += part.Length;
                    parts++;
                }
            }
            return parts == 0 ? 0 : total + (parts - 1) * SectionSeparator.Length;
        }

        private void Append(Candidate c, string text, bool truncated)
        {
            int part = Part(c);
            var sb = _parts[part];
            if (c.IsFooter)
            {
                sb.Append(text);
                return;
            }
            if (sb.Length == 0)
            {
                sb.Append(Headings[part]);
            }
            bool newPath = c.Path.Length > 0 && c.Path != _lastPath[part];
            switch (c.Section)
            {
                case SummarySection.Overview:
                    sb.Append('\n').Append(text);
                    break;
                case SummarySection.Examples:
                    sb.Append(_count[part] == 0 ? "\n" : "\n\n");
                    if (newPath)
                    {
                        sb.Append(PathPrefix).Append(c.Path).Append('\n');
                    }
                    sb.Append(text);
                    break;
                default:
                    if (newPath)
                    {
                        sb.Append('\n').Append(PathPrefix).Append(c.Path);
                    }
                    // Continuation lines indented under the bullet, so a lead-in keeps its list.
                    sb.Append("\n- ").Append(text.Contains('\n') ? text.Replace("\n", "\n  ", StringComparison.Ordinal) : text);
                    break;
            }
            if (truncated)
            {
                sb.Append(Ellipsis);
            }
            if (newPath)
            {
                _lastPath[part] = c.Path;
            }
            _count[part]++;
            _items.Add(new SummaryItem(c.Section, text, truncated) { Path = c.Path });
        }
    }
}
