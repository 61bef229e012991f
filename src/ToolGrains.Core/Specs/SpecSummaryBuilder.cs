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
/// </summary>
public sealed record SummaryItem(SummarySection Section, string Text, bool Truncated);

/// <summary>A summary and the items it shows, so callers and tests can tell content from scaffolding.</summary>
public sealed record SpecSummary(string Text, IReadOnlyList<SummaryItem> Items);

/// <summary>
/// Builds the prioritized summary: Overview, Requirements, Constraints, Examples, Key points and a
/// footer. Sections are filled in priority order from what is left of <c>max_length</c>, so when
/// the budget is tight the lower-priority sections shrink first. Items are shown whole or not at
/// all; only the overview, one paragraph, may be cut, and then only at a word boundary.
/// </summary>
public static class SpecSummaryBuilder
{
    public const string OverviewHeading = "## Overview";
    public const string RequirementsHeading = "## Requirements";
    public const string ConstraintsHeading = "## Constraints";
    public const string ExamplesHeading = "## Examples";
    public const string KeyPointsHeading = "## Key points";
    public const string Ellipsis = " …";
    private const string SectionSeparator = "\n\n";

    /// <summary>The footer line: <c>*Full specification: N characters, W words*</c>.</summary>
    public static string Footer(int chars, int words) =>
        string.Create(CultureInfo.InvariantCulture, $"*Full specification: {chars} characters, {words} words*");

    /// <summary>Builds a summary of at most <paramref name="maxLength"/> characters.</summary>
    /// <exception cref="SpecExtractionException"><c>invalid_request</c> when <paramref name="maxLength"/> is below 1.</exception>
    public static SpecSummary Build(SpecSections sections, int chars, int words, int maxLength, SpecExtractionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(sections);
        if (maxLength < 1)
        {
            throw new SpecExtractionException(SpecExtractionException.InvalidRequest, "max_length must be at least 1", "max_length");
        }
        options ??= SpecExtractionOptions.Default;
        var state = new State(maxLength, Footer(chars, words));

        AddOverview(state, sections.Overview, options.OverviewBudget);
        var requirementTexts = new List<string>(sections.Requirements.Count);
        foreach (var r in sections.Requirements)
        {
            requirementTexts.Add(r.Text);
        }
        AddList(state, SummarySection.Requirements, RequirementsHeading, requirementTexts, options.RequirementsBudget, int.MaxValue);
        AddList(state, SummarySection.Constraints, ConstraintsHeading, sections.Constraints, options.ConstraintsBudget, int.MaxValue);
        AddExamples(state, sections.Examples, options.ExamplesBudget);

        // Key points are the bullets that are none of the above: a requirement the requirements
        // budget left out must not come back through this side door.
        var classified = new HashSet<string>(requirementTexts, StringComparer.Ordinal);
        classified.UnionWith(sections.Constraints);
        classified.UnionWith(sections.Examples);
        foreach (var item in state.Items)
        {
            classified.Add(item.Text);
        }
        var keyPoints = new List<string>();
        foreach (var b in sections.Bullets)
        {
            if (!classified.Contains(b))
            {
                keyPoints.Add(b);
            }
        }
        AddList(state, SummarySection.KeyPoints, KeyPointsHeading, keyPoints, int.MaxValue, options.MaxKeyPoints);

        return state.Finish();
    }

    private sealed class State(int maxLength, string footer)
    {
        private readonly StringBuilder _text = new(Math.Min(maxLength, 64 * 1024));
        private readonly bool _withFooter = footer.Length <= maxLength;
        private int _parts;

        public List<SummaryItem> Items { get; } = [];

        // What a further part may still use, its separator already paid for.
        public int Available => maxLength - (_withFooter ? footer.Length : 0) - _text.Length - SeparatorCost;

        // Parts are joined by a blank line: a new part pays for the one before it (unless it is
        // the first) and, with a footer, for the one between the last part and the footer.
        private int SeparatorCost => (_parts > 0 ? SectionSeparator.Length : 0) + (_withFooter ? SectionSeparator.Length : 0);

        public void AddPart(StringBuilder part)
        {
            if (_parts > 0)
            {
                _text.Append(SectionSeparator);
            }
            _text.Append(part);
            _parts++;
        }

        public SpecSummary Finish()
        {
            if (_withFooter)
            {
                if (_parts > 0)
                {
                    _text.Append(SectionSeparator);
                }
                _text.Append(footer);
            }
            string text = _text.ToString();
            if (text.Length > maxLength)
            {
                // Unreachable by construction; a broken promise must fail loudly, not ship quietly.
                throw new InvalidOperationException($"summary of {text.Length} characters exceeds max_length {maxLength}");
            }
            return new SpecSummary(text, Items);
        }
    }

    private static void AddOverview(State state, string overview, int budget)
    {
        if (overview.Length == 0)
        {
            return;
        }
        int available = Math.Min(budget, state.Available);
        int room = available - OverviewHeading.Length - 1;
        if (room <= 0)
        {
            return;
        }
        var part = new StringBuilder(OverviewHeading.Length + 1 + Math.Min(room, overview.Length));
        part.Append(OverviewHeading).Append('\n');
        if (overview.Length <= room)
        {
            part.Append(overview);
            state.Items.Add(new SummaryItem(SummarySection.Overview, overview, false));
        }
        else
        {
            var prefix = SpecText.WordPrefix(overview, room - Ellipsis.Length);
            if (prefix.IsEmpty)
            {
                return;
            }
            string shown = prefix.ToString();
            part.Append(shown).Append(Ellipsis);
            state.Items.Add(new SummaryItem(SummarySection.Overview, shown, true));
        }
        state.AddPart(part);
    }

    // Bullet-list sections. An item that does not fit is skipped and smaller later ones still
    // get their chance: the budget buys as many whole items as it can, in source order.
    private static void AddList(State state, SummarySection section, string heading, IReadOnlyList<string> items,
        int budget, int maxItems)
    {
        if (items.Count == 0 || maxItems <= 0)
        {
            return;
        }
        int available = Math.Min(budget, state.Available);
        int used = heading.Length; // heading; each item adds "\n- " and its text
        if (used + 4 > available)
        {
            return;
        }
        StringBuilder? part = null;
        int shown = 0;
        foreach (var item in items)
        {
            int cost = 3 + item.Length;
            if (used + cost > available)
            {
                continue;
            }
            part ??= new StringBuilder(available).Append(heading);
            part.Append("\n- ").Append(item);
            used += cost;
            state.Items.Add(new SummaryItem(section, item, false));
            if (++shown == maxItems)
            {
                break;
            }
        }
        if (part is not null)
        {
            state.AddPart(part);
        }
    }

    // Examples are shown as written, code fences included, whole code blocks or none.
    private static void AddExamples(State state, IReadOnlyList<string> examples, int budget)
    {
        if (examples.Count == 0)
        {
            return;
        }
        int available = Math.Min(budget, state.Available);
        int used = ExamplesHeading.Length; // heading; each example adds "\n" (first) or "\n\n" and its text
        StringBuilder? part = null;
        foreach (var example in examples)
        {
            int cost = (part is null ? 1 : 2) + example.Length;
            if (used + cost > available)
            {
                continue;
            }
            part ??= new StringBuilder(available).Append(ExamplesHeading).Append('\n');
            if (state.Items.Count > 0 && state.Items[^1].Section == SummarySection.Examples)
            {
                part.Append("\n\n");
            }
            part.Append(example);
            used += cost;
            state.Items.Add(new SummaryItem(SummarySection.Examples, example, false));
        }
        if (part is not null)
        {
            state.AddPart(part);
        }
    }
}
