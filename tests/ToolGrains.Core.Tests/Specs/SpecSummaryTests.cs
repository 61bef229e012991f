using ToolGrains.Core.Specs;

namespace ToolGrains.Core.Tests.Specs;

public sealed class SpecSummaryTests
{
    private static string SectionText(string summary, string heading)
    {
        int start = summary.IndexOf(heading + "\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no {heading} in summary");
        int end = summary.IndexOf("\n\n## ", start, StringComparison.Ordinal);
        int footer = summary.IndexOf("\n\n*Full specification", start, StringComparison.Ordinal);
        if (end < 0 || (footer >= 0 && footer < end))
        {
            end = footer;
        }
        return summary[start..end];
    }

    [Fact]
    public void Rest_api_spec_of_50_KB_summarizes_by_priority_within_max_length()
    {
        string doc = RestApiSpecDocument.Build();
        Assert.InRange(doc.Length, 50_000, 60_000);
        var result = SpecExtractor.Default.Extract(doc, summarize: true, maxLength: 10_000);
        string summary = result.OverseerSpec;

        Assert.True(result.Stats.Summarized);
        Assert.InRange(summary.Length, 9_000, 10_000); // the budget is used, not a fixed share of it
        Assert.Equal(summary.Length, result.Stats.SummaryChars);
        Assert.Equal(doc, result.FullSpec);

        // Sections in order.
        int o = summary.IndexOf("## Overview\n", StringComparison.Ordinal);
        int r = summary.IndexOf("## Requirements\n", StringComparison.Ordinal);
        int c = summary.IndexOf("## Constraints\n", StringComparison.Ordinal);
        int e = summary.IndexOf("## Examples\n", StringComparison.Ordinal);
        int k = summary.IndexOf("## Key points\n", StringComparison.Ordinal);
        Assert.True(0 <= o && o < r && r < c && c < e && e < k, summary);

        Assert.Contains(RestApiSpecDocument.OverviewText, summary);
        Assert.Contains("- " + RestApiSpecDocument.Requirement(1), summary);
        Assert.Contains("- " + RestApiSpecDocument.Requirement(2), summary);
        Assert.Contains("- " + RestApiSpecDocument.Constraint(1), summary);
        Assert.DoesNotContain(RestApiSpecDocument.Requirement(60), summary); // the budget ran out first
        // Requirements take about half of it while the others still have items.
        Assert.InRange(SectionText(summary, "## Requirements").Length, 3_500, 6_000);
        string examples = SectionText(summary, "## Examples");
        Assert.Equal(0, (examples.Split("```").Length - 1) % 2); // whole code blocks: fences pair up
        Assert.Contains("- Note 1: the changelog", SectionText(summary, "## Key points"));
        Assert.EndsWith($"*Full specification: {doc.Length} characters, {result.Stats.Words} words*", summary);
        Assert.Contains(result.Warnings!, w => w.Code == "summary_truncated");
    }

    [Theory]
    [InlineData(4_000)]
    [InlineData(10_000)]
    [InlineData(50_000)]
    public void Larger_budgets_carry_more_up_to_the_whole(int maxLength)
    {
        string doc = RestApiSpecDocument.Build();
        var sections = SpecExtractor.ExtractSections(doc);
        var summary = SpecSummaryBuilder.Build(sections, doc.Length, 1000, maxLength);
        var smaller = SpecSummaryBuilder.Build(sections, doc.Length, 1000, maxLength / 2);
        Assert.True(summary.Items.Count > smaller.Items.Count || smaller.Items.Count == smaller.Candidates);
        Assert.True(summary.Text.Length > maxLength * 0.9 || summary.Items.Count == summary.Candidates, $"{summary.Text.Length} of {maxLength}");
        if (maxLength == 50_000)
        {
            Assert.Equal(summary.Candidates, summary.Items.Count); // all of it fits: all of it shows
        }
    }

    [Fact]
    public void Must_comes_before_should_and_may_whatever_the_source_order()
    {
        var sections = SpecSections.Empty with
        {
            Requirements =
            [
                new("Clients MAY batch.", RequirementLevel.May),
                new("Clients SHOULD cache.", RequirementLevel.Should),
                new("Servers MUST authenticate every call.", RequirementLevel.Must),
                new("Servers MUST log denials.", RequirementLevel.Must),
            ],
        };
        var full = SpecSummaryBuilder.Build(sections, 100, 20, 10_000);
        Assert.Equal(["Servers MUST authenticate every call.", "Servers MUST log denials.", "Clients SHOULD cache.", "Clients MAY batch."],
            full.Items.Select(i => i.Text));
        var tight = SpecSummaryBuilder.Build(sections, 100, 20, 150);
        Assert.Equal(["Servers MUST authenticate every call.", "Servers MUST log denials."], tight.Items.Select(i => i.Text));
    }

    [Fact]
    public void The_same_point_twice_is_shown_once()
    {
        var sections = SpecSections.Empty with
        {
            Requirements = [new("Tokens expire after one hour.", RequirementLevel.Unspecified)],
            Bullets = ["tokens expire after  one hour", "Sessions are per device."],
            KeyPoints = ["tokens expire after  one hour", "Sessions are per device.", "Sessions are per device"],
        };
        var summary = SpecSummaryBuilder.Build(sections, 100, 20, 10_000);
        Assert.Equal(["Tokens expire after one hour.", "Sessions are per device."], summary.Items.Select(i => i.Text));
    }

    [Fact]
    public void Items_carry_their_heading_path_as_a_breadcrumb()
    {
        var s = SpecExtractor.ExtractSections("# API\n\n## Auth\n\n### Tokens\n\n- Tokens MUST expire.\n\n## Storage\n\n- Data MUST be encrypted.\n");
        var summary = SpecSummaryBuilder.Build(s, 100, 20, 10_000);
        Assert.Contains("## Requirements\n### Auth › Tokens\n- Tokens MUST expire.\n### Storage\n- Data MUST be encrypted.", summary.Text);
    }

    [Fact]
    public void A_token_budget_is_counted_in_o200k_tokens()
    {
        string doc = RestApiSpecDocument.Build();
        var result = SpecExtractor.Default.Extract(doc, summarize: true, maxLength: 100_000, maxTokens: 500);
        int tokens = SpecTokens.Count(result.OverseerSpec);
        Assert.InRange(tokens, 400, 500);
        Assert.Equal(tokens, result.Stats.SummaryTokens);
        Assert.Contains("\"summary_tokens\"", result.ToJson());
        // A short text within the token budget is not summarized.
        var small = SpecExtractor.Default.Extract("# Spec\n\nA small service.\n", summarize: true, maxTokens: 500);
        Assert.False(small.Stats.Summarized);
        var e = Assert.Throws<ToolGrainsException>(() => SpecExtractor.Default.Extract(doc, summarize: true, maxTokens: 0));
        Assert.Equal((ErrorCodes.InvalidRequest, "max_tokens"), (e.Code, e.Field));
    }

    [Fact]
    public void Short_texts_are_not_summarized_unless_forced()
    {
        const string doc = "# Spec\n\nA small service that echoes.\n\n## Requirements\n\n- echo input\n";
        var auto = SpecExtractor.Default.Extract(doc);
        Assert.False(auto.Stats.Summarized);
        Assert.Equal(doc, auto.OverseerSpec);

        var forced = SpecExtractor.Default.Extract(doc, SummarizeMode.Always);
        Assert.True(forced.Stats.Summarized);
        Assert.Equal($"## Overview\nA small service that echoes.\n\n## Requirements\n- echo input\n\n*Full specification: {doc.Length} characters, 12 words*",
            forced.OverseerSpec);
    }

    [Fact]
    public void Without_summarize_overseer_spec_is_the_full_text_however_long()
    {
        string doc = RestApiSpecDocument.Build();
        var result = SpecExtractor.Default.Extract(doc, summarize: false, maxLength: 100);
        Assert.False(result.Stats.Summarized);
        Assert.Equal(doc, result.OverseerSpec);
    }

    [Fact]
    public void Auto_summarizes_a_text_shorter_than_the_threshold_but_longer_than_max_length()
    {
        string doc = "# Spec\n\n" + string.Concat(Enumerable.Repeat("Plain words fill this paragraph. ", 50)) + "\n";
        var result = SpecExtractor.Default.Extract(doc, summarize: true, maxLength: 300);
        Assert.True(result.Stats.Summarized);
        Assert.InRange(result.OverseerSpec.Length, 1, 300);
    }

    [Fact]
    public void Tight_budgets_shrink_lower_priority_sections_first()
    {
        string doc = RestApiSpecDocument.Build();
        var sections = SpecExtractor.ExtractSections(doc);
        var wide = SpecSummaryBuilder.Build(sections, doc.Length, 1000, 10_000);
        var tight = SpecSummaryBuilder.Build(sections, doc.Length, 1000, 800);

        Assert.Contains(wide.Items, i => i.Section == SummarySection.KeyPoints);
        Assert.Contains(tight.Items, i => i.Section == SummarySection.Overview);
        Assert.Contains(tight.Items, i => i.Section == SummarySection.Requirements);
        Assert.DoesNotContain(tight.Items, i => i.Section is SummarySection.KeyPoints);
        Assert.True(tight.Items.Count(i => i.Section == SummarySection.Examples) < wide.Items.Count(i => i.Section == SummarySection.Examples));
        Assert.True(tight.Text.Length <= 800);

        var tighter = SpecSummaryBuilder.Build(sections, doc.Length, 1000, 200);
        Assert.Equal([SummarySection.Overview], tighter.Items.Select(i => i.Section).Distinct());
    }

    [Fact]
    public void Overview_too_long_for_the_budget_is_cut_at_a_word_boundary()
    {
        var sections = SpecSections.Empty with { Overview = "alpha beta gamma delta epsilon zeta eta theta" };
        var summary = SpecSummaryBuilder.Build(sections, 100, 8, 30);
        Assert.Equal("## Overview\nalpha beta gamma …", summary.Text); // the footer does not fit in 30
        var item = Assert.Single(summary.Items);
        Assert.True(item.Truncated);
        Assert.Equal("alpha beta gamma", item.Text);
    }

    [Fact]
    public void The_item_where_the_budget_ends_is_cut_at_a_word_and_nothing_after_it_shows()
    {
        var sections = SpecSections.Empty with
        {
            Requirements = [new("short one", RequirementLevel.Unspecified), new(string.Join(' ', Enumerable.Repeat("word", 100)), RequirementLevel.Unspecified), new("short two", RequirementLevel.Unspecified)],
        };
        var summary = SpecSummaryBuilder.Build(sections, 600, 3, 200);
        Assert.Equal(2, summary.Items.Count);
        Assert.Equal("short one", summary.Items[0].Text);
        Assert.True(summary.Items[1].Truncated);
        Assert.StartsWith("word word", summary.Items[1].Text);
        Assert.DoesNotContain("short two", summary.Text); // else a larger budget could show less
        Assert.EndsWith("word …", summary.Text.Split("\n\n")[0]);
    }

    [Fact]
    public void Examples_never_show_part_of_a_code_block()
    {
        string big = "```json\n" + string.Join("\n", Enumerable.Range(0, 200).Select(i => $"{{\"line\": {i}}}")) + "\n```";
        var sections = SpecSections.Empty with { Examples = [big, "```sh\nls\n```"] };
        var summary = SpecSummaryBuilder.Build(sections, 5000, 400, 2000);
        // Longer than an item may be, and code: left out rather than cut.
        Assert.DoesNotContain("\"line\"", summary.Text);
        Assert.Contains("```sh\nls\n```", summary.Text);
    }

    [Fact]
    public void Key_points_skip_bullets_already_classified_and_stop_at_the_limit()
    {
        var bullets = Enumerable.Range(1, 30).Select(i => $"bullet {i}").ToList();
        var sections = SpecSections.Empty with
        {
            Requirements = [new("bullet 1", RequirementLevel.Unspecified)],
            Constraints = ["bullet 2"],
            Bullets = bullets,
        };
        var summary = SpecSummaryBuilder.Build(sections, 1000, 100, 10_000, new SpecExtractionOptions { MaxKeyPoints = 5 });
        Assert.Equal(["bullet 3", "bullet 4", "bullet 5", "bullet 6", "bullet 7"],
            summary.Items.Where(i => i.Section == SummarySection.KeyPoints).Select(i => i.Text));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(50)]
    public void Tiny_budgets_still_hold(int maxLength)
    {
        string doc = RestApiSpecDocument.Build();
        var result = SpecExtractor.Default.Extract(doc, SummarizeMode.Always, maxLength);
        Assert.True(result.OverseerSpec.Length <= maxLength);
    }

    [Fact]
    public void Max_length_below_one_is_an_invalid_request()
    {
        var e = Assert.Throws<ToolGrainsException>(() => SpecSummaryBuilder.Build(SpecSections.Empty, 0, 0, 0));
        Assert.Equal((ErrorCodes.InvalidRequest, "max_length"), (e.Code, e.Field));
    }
}
