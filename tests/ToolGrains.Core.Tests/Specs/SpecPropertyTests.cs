using CsCheck;
using ToolGrains.Core.Specs;

namespace ToolGrains.Core.Tests.Specs;

/// <summary>
/// Properties of the summary over random Markdown documents and budgets. Words are
/// whitespace-separated tokens. "Never splits a word" means: every token of the summary is
/// either scaffolding the builder writes (headings, "-" markers, " …", the footer) or a whole
/// token of the source; and a truncated overview stops where the source has whitespace.
/// </summary>
public sealed class SpecPropertyTests
{
    private static readonly string[] Vocabulary =
    [
        "alpha", "beta", "gamma", "naïve", "Straße", "日本語", "данные", "café", "🚀rocket", "emoji🎉",
        "MUST", "SHOULD", "MAY", "must", "should", "REQUIRED", "limit", "token", "request", "**bold**",
        "_em_", "`code`", "[link](https://example.org/x)", "x", "a-very-long-hyphenated-word-that-goes-on-and-on",
    ];

    private static readonly string[] HeadingWords =
        ["Requirements", "Constraints", "Examples", "Overview", "Notes", "Security", "Usage", "Features", "Appendix", "Background", "Goals", "Limitations"];

    private static readonly Gen<string> Word = Gen.Frequency(
        (3, Gen.OneOf(Vocabulary)),
        (2, Gen.Char['a', 'z'].Array[1, 14].Select(c => new string(c))));

    private static readonly Gen<string> Sentence = Word.Array[1, 16].Select(w => string.Join(' ', w) + ".");

    private static readonly Gen<string> Paragraph = Sentence.Array[1, 5].Select(s => string.Join(' ', s));

    private static readonly Gen<string> Heading =
        Gen.Select(Gen.Int[1, 4], Gen.OneOf(HeadingWords), Word, Gen.Bool,
            (level, keyword, word, setext) => setext && level <= 2
                ? $"{keyword} {word}\n{new string(level == 1 ? '=' : '-', 8)}"
                : $"{new string('#', level)} {keyword} {word}");

    private static readonly Gen<string> ListItem =
        Gen.Select(Sentence, Sentence, Gen.Int[0, 2],
            (first, nested, shape) => shape switch
            {
                0 => $"- {first}",
                1 => $"- {first}\n  {nested}",
                _ => $"- {first}\n  - {nested}",
            });

    private static readonly Gen<string> List = ListItem.Array[1, 6].Select(items => string.Join('\n', items));

    private static readonly Gen<string> Code =
        Gen.Select(Gen.OneOf("", "json", "sh", "python"), Word.Array[1, 6].Select(w => string.Join(' ', w)).Array[1, 8],
            (lang, lines) => $"```{lang}\n# {lines[0]}\n{string.Join('\n', lines)}\n```");

    private static readonly Gen<string> Table =
        Word.Array[2, 2].Array[1, 4].Select(rows =>
            "| a | b |\n|---|---|\n" + string.Join('\n', rows.Select(r => $"| {r[0]} | {r[1]} |")));

    private static readonly Gen<string> Block = Gen.Frequency(
        (3, Paragraph), (2, Heading), (3, List), (1, Code), (1, Table));

    private static readonly Gen<string> Document = Block.Array[1, 40].Select(b => string.Join("\n\n", b) + "\n");

    private static readonly HashSet<string> Scaffolding = new(StringComparer.Ordinal)
    {
        "##", "###", "›", "Overview", "Requirements", "Constraints", "Examples", "Key", "points", "-", "…",
    };

    // How an item reads in the summary: continuation lines of a list item are indented under it.
    private static string Shown(SummaryItem item) =>
        item.Section is SummarySection.Overview or SummarySection.Examples ? item.Text : item.Text.Replace("\n", "\n  ");

    private static void CheckSummary(string source, int maxLength, int? maxTokens = null)
    {
        var extractor = SpecExtractor.Default;
        var result = extractor.Extract(source, SummarizeMode.Always, maxLength, maxTokens);
        Assert.True(result.OverseerSpec.Length <= maxLength, $"{result.OverseerSpec.Length} > {maxLength}");
        if (maxTokens is { } budget)
        {
            int tokens = SpecTokens.Count(result.OverseerSpec);
            Assert.True(tokens <= budget, $"{tokens} tokens > {budget}");
            Assert.Equal(tokens, result.Stats.SummaryTokens);
        }

        var sections = result.Sections;
        var summary = SpecSummaryBuilder.Build(sections, result.Stats.Chars, result.Stats.Words, maxLength, null, maxTokens);
        Assert.Equal(result.OverseerSpec, summary.Text);

        var sourceTokens = new HashSet<string>(source.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal);
        string footer = SpecSummaryBuilder.Footer(result.Stats.Chars, result.Stats.Words);
        var footerTokens = footer.Split(' ');

        foreach (var item in summary.Items)
        {
            // Every item shown is in the source, and in the summary.
            Assert.Contains(item.Text, source);
            Assert.Contains(Shown(item), summary.Text);
            if (item.Truncated)
            {
                // Cut where the source has whitespace: never inside a word.
                bool atWhitespace = false;
                for (int at = source.IndexOf(item.Text, StringComparison.Ordinal); at >= 0 && !atWhitespace;
                     at = source.IndexOf(item.Text, at + 1, StringComparison.Ordinal))
                {
                    atWhitespace = at + item.Text.Length < source.Length && char.IsWhiteSpace(source[at + item.Text.Length]);
                }
                Assert.True(atWhitespace, $"{item.Section} cut inside a word: {item.Text}");
            }
            else
            {
                // Shown whole: exactly one of the extracted items.
                bool whole = item.Section switch
                {
                    SummarySection.Overview => item.Text == sections.Overview.Trim(),
                    SummarySection.Requirements => sections.Requirements.Any(r => r.Text.Trim() == item.Text),
                    SummarySection.Constraints => sections.Constraints.Any(c => c.Trim() == item.Text),
                    SummarySection.Examples => sections.Examples.Any(e => e.Trim() == item.Text),
                    _ => sections.Bullets.Any(b => b.Trim() == item.Text),
                };
                Assert.True(whole, $"{item.Section} item not whole: {item.Text}");
            }
        }

        foreach (var token in summary.Text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            Assert.True(Scaffolding.Contains(token) || sourceTokens.Contains(token) || footerTokens.Contains(token),
                $"token '{token}' is neither scaffolding nor a whole word of the source");
        }
    }

    // What a smaller budget shows, a larger one shows too: the same item, or more of a cut one.
    private static void CheckSuperset(SpecSummary small, SpecSummary large)
    {
        foreach (var item in small.Items)
        {
            Assert.True(large.Items.Any(l => l.Section == item.Section && (l.Text == item.Text || (item.Truncated && l.Text.StartsWith(item.Text, StringComparison.Ordinal)))),
                $"{item.Section} item shown at {small.Text.Length} chars is gone at {large.Text.Length}: {item.Text}");
        }
    }

    private static long Seed()
    {
        var env = Environment.GetEnvironmentVariable("TOOLGRAINS_FUZZ_SEED");
        return env is not null ? long.Parse(env, System.Globalization.CultureInfo.InvariantCulture) : Random.Shared.NextInt64();
    }

    [Fact]
    public void Summary_never_exceeds_max_length_never_splits_a_word_and_shows_only_source_items() =>
        Gen.Select(Document, Gen.Int[50, 20_000]).Sample(t => CheckSummary(t.Item1, t.Item2), iter: 400);

    [Fact]
    public void Tiny_budgets_hold_too() =>
        Gen.Select(Document, Gen.Int[1, 120]).Sample(t => CheckSummary(t.Item1, t.Item2), iter: 200);

    [Fact]
    public void Summary_holds_a_token_budget_too() =>
        Gen.Select(Document, Gen.Int[200, 8_000], Gen.Int[10, 1_500]).Sample(t => CheckSummary(t.Item1, t.Item2, t.Item3), iter: 60);

    [Fact]
    public void A_larger_budget_shows_everything_a_smaller_one_did()
    {
        long seed = Seed();
        Console.WriteLine($"TOOLGRAINS_FUZZ_SEED={seed}");
        var random = new Random((int)(seed & int.MaxValue));
        Gen.Select(Document, Gen.Int[1, 6_000], Gen.Int[0, 6_000]).Sample(t =>
        {
            var (doc, small, extra) = t;
            var r = SpecExtractor.Default.Extract(doc, SummarizeMode.Never);
            var a = SpecSummaryBuilder.Build(r.Sections, r.Stats.Chars, r.Stats.Words, small);
            var b = SpecSummaryBuilder.Build(r.Sections, r.Stats.Chars, r.Stats.Words, small + extra);
            CheckSuperset(a, b);
            // The same in tokens, at a random character budget large enough not to bind first.
            int tokens = random.Next(5, 800);
            var ta = SpecSummaryBuilder.Build(r.Sections, r.Stats.Chars, r.Stats.Words, 100_000, null, tokens);
            var tb = SpecSummaryBuilder.Build(r.Sections, r.Stats.Chars, r.Stats.Words, 100_000, null, tokens + random.Next(0, 400));
            CheckSuperset(ta, tb);
        }, iter: 150);
    }

    [Fact]
    public void A_budget_that_holds_everything_shows_everything() =>
        Document.Sample(doc =>
        {
            var r = SpecExtractor.Default.Extract(doc, SummarizeMode.Never);
            var all = SpecSummaryBuilder.Build(r.Sections, r.Stats.Chars, r.Stats.Words, 1_000_000);
            Assert.Equal(all.Candidates, all.Items.Count);
            Assert.Empty(all.Warnings);
        }, iter: 100);

    [Fact]
    public void Summarizing_is_idempotent_on_crlf_input() =>
        Gen.Select(Document, Gen.Int[50, 5_000]).Sample(t =>
        {
            // A summary already within the budget is its own summary, line endings and all.
            var once = SpecExtractor.Default.Extract(t.Item1.Replace("\n", "\r\n"), SummarizeMode.Always, t.Item2);
            Assert.DoesNotContain('\r', once.OverseerSpec);
            var again = SpecExtractor.Default.Extract(once.OverseerSpec.Replace("\n", "\r\n"), summarize: true, t.Item2);
            Assert.Equal(once.OverseerSpec, again.OverseerSpec);
        }, iter: 50);

    [Fact]
    public void Crlf_input_gives_the_same_summary_as_lf() =>
        Gen.Select(Document, Gen.Int[50, 5_000]).Sample(t =>
        {
            var lf = SpecExtractor.Default.Extract(t.Item1, SummarizeMode.Always, t.Item2);
            var crlf = SpecExtractor.Default.Extract(t.Item1.Replace("\n", "\r\n"), SummarizeMode.Always, t.Item2);
            Assert.Equal(lf.OverseerSpec, crlf.OverseerSpec);
        }, iter: 100);

    [Fact]
    public void Every_extracted_item_is_a_slice_of_the_source() =>
        Document.Sample(doc =>
        {
            var s = SpecExtractor.ExtractSections(doc);
            Assert.Contains(s.Overview, doc);
            Assert.All(s.Requirements, r => Assert.Contains(r.Text, doc));
            Assert.All(s.Constraints, c => Assert.Contains(c, doc));
            Assert.All(s.Examples, e => Assert.Contains(e, doc));
            Assert.All(s.Bullets, b => Assert.Contains(b, doc));
            // Keywords make requirements only in capitals: lower-case "must" alone never does.
            Assert.All(s.Requirements.Where(r => r.Level != RequirementLevel.Unspecified), r => Assert.NotNull(Rfc2119.FindLevel(r.Text)));
        }, iter: 300);
}
