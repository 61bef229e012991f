using Markdig;
using Markdig.Extensions.Tables;
using Markdig.Extensions.Yaml;
using Markdig.Syntax;

namespace ToolGrains.Core.Specs;

/// <summary>
/// Sections of a Markdown specification from Markdig's syntax tree, in one pass over the blocks.
/// Items are slices of the source by the blocks' spans, so they stay whole (a list item with its
/// nested lines is one item) and keep the author's links and emphasis as Markdown source.
/// </summary>
public sealed partial class MarkdownSpecParser
{
    /// <summary>
    /// The pipeline: YAML front matter (so <c>---</c> metadata is not read as prose or a setext
    /// heading) and pipe tables (so a table is rows, not one paragraph). Built once: building it
    /// per call would cost more than parsing a small file.
    /// </summary>
    public static MarkdownPipeline Pipeline { get; } = new MarkdownPipelineBuilder()
        .UseYamlFrontMatter()
        .UsePipeTables()
        .Build();

    private readonly string _text;
    private readonly List<Requirement> _requirements = [];
    private readonly List<string> _constraints = [];
    private readonly List<string> _examples = [];
    private readonly List<SpecCodeBlock> _codeBlocks = [];
    private readonly List<string> _bullets = [];
    private readonly List<string> _keyPoints = [];
    private readonly Dictionary<string, string> _paths = new(StringComparer.Ordinal);
    private readonly List<SpecWarning> _warnings = [];

    // The open headings, innermost last: a heading without keywords inherits the class of the
    // nearest enclosing one, and a heading of the same or a higher level closes deeper ones.
    private readonly List<(int Level, SpecSectionClass Class, string Text)> _headings = [];
    private string _path = "";
    private HeadingBlock? _title;
    private SpecSectionClass _class = SpecSectionClass.General;

    // Overview: a paragraph under an Overview-like heading wins, then the first prose paragraph
    // of a general section, then the first paragraph at all.
    private string? _overviewFromOverviewSection;
    private string? _overviewGeneral;
    private string? _overviewAny;

    // An example paragraph directly followed by a code block ("Request:" + fence) is one example.
    private Block? _lastExampleParagraph;

    // A keyword sentence that ends a paragraph with ':' ("The API MUST provide:") introduces the
    // list that follows: the requirement becomes the sentence with its list, one slice.
    private (int Index, int Start)? _leadIn;

    private MarkdownSpecParser(string text) => _text = text;

    /// <summary>Parses <paramref name="text"/> (line endings already normalized) into sections.</summary>
    /// <exception cref="ToolGrainsException"><c>invalid_request</c> when lists or quotes nest deeper than <see cref="MarkdownNesting.MaxDepth"/>.</exception>
    public static SpecSections Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        // Measured first, in one linear pass: Markdig would throw on this, and take seconds to.
        int depth = MarkdownNesting.Depth(text, MarkdownNesting.MaxDepth);
        if (depth > MarkdownNesting.MaxDepth)
        {
            throw TooDeep($"the document nests lists or quotes more than {MarkdownNesting.MaxDepth} levels deep");
        }
        var document = ParseMarkdown(text);
        var warnings = new List<SpecWarning>();
        string parsed = text;
        if (FindUnclosedFence(document) is { } unclosed)
        {
            int line = unclosed.Line + 1;
            if (LooksLikeMarkdown(unclosed))
            {
                // The fence was surely meant to close: what it swallowed holds headings or other
                // fences. Blank its opening line (same length, so every span still indexes the
                // source) and read the rest as Markdown.
                int start = unclosed.Span.Start, end = text.IndexOf('\n', start);
                end = end < 0 ? text.Length : end;
                parsed = string.Concat(text.AsSpan(0, start), new string(' ', end - start), text.AsSpan(end));
                document = ParseMarkdown(parsed);
                warnings.Add(new SpecWarning("unclosed_fence",
                    $"the code fence opened at line {line} is never closed and swallowed headings; its opening line was ignored and the rest read as Markdown"));
            }
            else
            {
                warnings.Add(new SpecWarning("unclosed_fence",
                    $"the code fence opened at line {line} is never closed: the rest of the document ({text.Length - unclosed.Span.Start} characters) was read as code"));
            }
        }
        var parser = new MarkdownSpecParser(parsed) { _title = FindTitle(document) };
        parser._warnings.AddRange(warnings);
        parser.Walk(document, topLevel: true);
        return parser.ToSections();
    }

    private static ToolGrainsException TooDeep(string message) =>
        new(ErrorCodes.InvalidRequest, message, "file_path");

    private static MarkdownDocument ParseMarkdown(string text)
    {
        try
        {
            return Markdown.Parse(text, Pipeline);
        }
        catch (ArgumentException e) when (e.Message.Contains("nested", StringComparison.OrdinalIgnoreCase))
        {
            // Inline nesting the line scan does not measure (brackets, emphasis): the same answer.
            throw TooDeep($"the document nests Markdown elements too deeply: {e.Message}");
        }
    }

    // Only the last block can be an unclosed fence: it runs to the end of the document.
    private static FencedCodeBlock? FindUnclosedFence(MarkdownDocument document)
    {
        Block? last = document.LastChild;
        while (last is ContainerBlock container && container.LastChild is { } child)
        {
            last = child;
        }
        return last is FencedCodeBlock { ClosingFencedCharCount: 0 } fenced ? fenced : null;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^(?:#{2,6}\s+\S|```|~~~)", System.Text.RegularExpressions.RegexOptions.Multiline)]
    private static partial System.Text.RegularExpressions.Regex MarkdownLineRegex();

    // An unclosed fence swallowed Markdown when its "code" holds a second fence or two "##" headings.
    private static bool LooksLikeMarkdown(FencedCodeBlock code)
    {
        int hits = 0;
        foreach (var line in code.Lines.Lines.AsSpan(0, code.Lines.Count))
        {
            var slice = line.Slice.AsSpan();
            if (slice.StartsWith("```") || slice.StartsWith("~~~"))
            {
                return true;
            }
            if (MarkdownLineRegex().IsMatch(slice) && ++hits >= 2)
            {
                return true;
            }
        }
        return false;
    }

    // "# REST API Requirements" names the document, not a section: were its class inherited,
    // every section under it (Notes, Background...) would be requirements and nothing would be
    // left for key points. The title is the first heading when it is the only level-1 heading;
    // its class still applies to the text directly under it.
    private static HeadingBlock? FindTitle(MarkdownDocument document)
    {
        HeadingBlock? first = null;
        foreach (var block in document)
        {
            if (block is HeadingBlock heading)
            {
                if (first is null)
                {
                    if (heading.Level != 1)
                    {
                        return null;
                    }
                    first = heading;
                }
                else if (heading.Level == 1)
                {
                    return null;
                }
            }
        }
        return first;
    }

    private SpecSections ToSections() => new(
        _overviewFromOverviewSection ?? _overviewGeneral ?? _overviewAny ?? "",
        _requirements, _constraints, _examples, _codeBlocks, _bullets, _keyPoints, _paths, _warnings);

    // The breadcrumb of an item: the first path it was seen under wins.
    private void Locate(string text)
    {
        if (_path.Length > 0)
        {
            _paths.TryAdd(text, _path);
        }
    }

    private void Walk(ContainerBlock container, bool topLevel)
    {
        foreach (var block in container)
        {
            if (_leadIn is { } lead && topLevel)
            {
                _leadIn = null;
                if (block is ListBlock leadList)
                {
                    var merged = SpanOf(lead.Start, leadList.Span.End);
                    var old = _requirements[lead.Index];
                    _requirements[lead.Index] = old with { Text = merged.ToString() };
                    Locate(_requirements[lead.Index].Text);
                    foreach (var child in leadList)
                    {
                        if (child is ListItemBlock { Count: > 0 } item)
                        {
                            var span = SpanOf(item[0].Span.Start, Math.Max(item.Span.End, item[^1].Span.End));
                            if (!span.IsEmpty && !SpecBoilerplate.IsBoilerplate(span))
                            {
                                _bullets.Add(span.ToString());
                            }
                            CollectCode(item);
                        }
                    }
                    continue;
                }
            }
            switch (block)
            {
                case HeadingBlock heading:
                    OnHeading(heading);
                    break;
                case YamlFrontMatterBlock:
                    // Metadata, not prose; must precede CodeBlock, which it derives from.
                    break;
                case ParagraphBlock paragraph:
                    OnParagraph(paragraph, topLevel);
                    break;
                case ListBlock list:
                    OnList(list);
                    break;
                case CodeBlock code:
                    OnCode(code);
                    break;
                case Table table:
                    OnTable(table);
                    break;
                case HtmlBlock or ThematicBreakBlock or LinkReferenceDefinitionGroup:
                    // Markup and link targets, not statements of the spec.
                    break;
                case ContainerBlock inner:
                    // Quotes and blocks of extensions: their content belongs to the current section.
                    Walk(inner, topLevel: false);
                    break;
            }
        }
    }

    private void OnHeading(HeadingBlock heading)
    {
        while (_headings.Count > 0 && _headings[^1].Level >= heading.Level)
        {
            _headings.RemoveAt(_headings.Count - 1);
        }
        // Nested sections inherit unless their heading says otherwise; under Non-Goals or
        // alternatives nothing is a requirement, whatever its own heading says.
        var text = HeadingText(heading);
        var own = HeadingClassifier.Classify(text);
        var parent = _headings.Count > 0 ? _headings[^1].Class : SpecSectionClass.General;
        _class = parent == SpecSectionClass.Excluded ? parent : own ?? parent;
        bool title = ReferenceEquals(heading, _title);
        _headings.Add((heading.Level, title ? SpecSectionClass.General : _class, title ? "" : text.ToString()));
        _path = BuildPath();
        _lastExampleParagraph = null;
    }

    // The heading's own words: no '#' marks, no closing sequence, no setext underline.
    private ReadOnlySpan<char> HeadingText(HeadingBlock heading)
    {
        var span = SpanOf(heading.Span.Start, heading.Span.End);
        if (heading.IsSetext)
        {
            int nl = span.LastIndexOf('\n');
            return nl < 0 ? span : span[..nl].Trim();
        }
        return span.TrimStart('#').TrimEnd('#').Trim();
    }

    // The last two named headings, e.g. "Design Details › Scheduling"; long ones cut at a word.
    private string BuildPath()
    {
        var parts = new List<string>(2);
        for (int i = _headings.Count - 1; i >= 0 && parts.Count < 2; i--)
        {
            var t = _headings[i].Text;
            if (t.Length == 0)
            {
                continue;
            }
            if (t.Length > 60)
            {
                var cut = SpecText.WordPrefix(t, 59);
                t = cut.IsEmpty ? t[..59] + " …" : cut.ToString() + " …";
            }
            parts.Insert(0, t);
        }
        return string.Join(" › ", parts);
    }

    private void OnParagraph(ParagraphBlock paragraph, bool topLevel)
    {
        int start = paragraph.Span.Start, end = paragraph.Span.End;
        var span = SpanOf(start, end);
        if (span.IsEmpty)
        {
            return;
        }
        _lastExampleParagraph = null;
        if (SpecBoilerplate.IsBoilerplate(span))
        {
            return; // "No.", "N/A", "ACTION REQUIRED: ...", a line of links
        }

        if (topLevel && _class != SpecSectionClass.Excluded)
        {
            TakeOverview(span);
        }

        switch (_class)
        {
            case SpecSectionClass.Requirements:
                // A lead-in such as "The service provides:" introduces the list that follows; the
                // list items are the requirements.
                if (span[^1] != ':')
                {
                    AddRequirement(span.ToString(), Rfc2119.FindStrongestLevel(span) ?? RequirementLevel.Unspecified);
                }
                break;
            case SpecSectionClass.Constraints:
                if (span[^1] != ':')
                {
                    AddTo(_constraints, span.ToString());
                }
                break;
            case SpecSectionClass.Examples:
                AddTo(_examples, span.ToString());
                _lastExampleParagraph = paragraph;
                break;
            case SpecSectionClass.Excluded:
                break;
            default:
                AddKeywordSentences(span);
                if (topLevel && span[^1] == ':' && _requirements.Count > 0 && _requirements[^1].Text.EndsWith(':')
                    && span.EndsWith(_requirements[^1].Text) && _text.AsSpan().Overlaps(span, out int offset))
                {
                    _leadIn = (_requirements.Count - 1, offset + span.Length - _requirements[^1].Text.Length);
                }
                break;
        }
    }

    private void AddRequirement(string text, RequirementLevel level)
    {
        _requirements.Add(new Requirement(text, level));
        Locate(text);
    }

    private void AddTo(List<string> list, string text)
    {
        list.Add(text);
        Locate(text);
    }

    private void TakeOverview(ReadOnlySpan<char> span)
    {
        if (_overviewFromOverviewSection is not null)
        {
            return;
        }
        bool prose = IsProse(span);
        if (_class == SpecSectionClass.Overview && prose)
        {
            _overviewFromOverviewSection = span.ToString();
        }
        else if (_overviewGeneral is null && _class == SpecSectionClass.General && prose)
        {
            _overviewGeneral = span.ToString();
        }
        else if (_overviewAny is null)
        {
            _overviewAny = span.ToString();
        }
    }

    // Prose: a sentence, not a badge line, a version stamp, a "**Status**: Stable" label or a lone link.
    private static bool IsProse(ReadOnlySpan<char> span) =>
        !span.StartsWith("![", StringComparison.Ordinal) && SpecText.CountWords(span[..Math.Min(span.Length, 200)]) >= 3
        && !(span.StartsWith("**", StringComparison.Ordinal) && span.Length < 120 && span.IndexOf("**:") > 0);

    // Outside classified sections a statement is a requirement by its keywords alone: each
    // sentence holding one becomes a requirement, not the whole paragraph around it.
    private void AddKeywordSentences(ReadOnlySpan<char> span)
    {
        int consumedUpTo = 0;
        foreach (var m in Rfc2119.KeywordRegex().EnumerateMatches(span))
        {
            if (m.Index < consumedUpTo)
            {
                continue; // a second keyword in a sentence already taken
            }
            int s = SentenceStart(span, m.Index);
            int e = SentenceEnd(span, m.Index + m.Length);
            var sentence = span[s..e].Trim();
            if (!sentence.IsEmpty)
            {
                AddRequirement(sentence.ToString(), Rfc2119.ToLevel(span.Slice(m.Index, m.Length)));
            }
            consumedUpTo = e;
        }
    }

    private static int SentenceStart(ReadOnlySpan<char> s, int at)
    {
        for (int i = at - 1; i > 0; i--)
        {
            if (char.IsWhiteSpace(s[i]) && s[i - 1] is '.' or '!' or '?')
            {
                return i + 1;
            }
        }
        return 0;
    }

    private static int SentenceEnd(ReadOnlySpan<char> s, int from)
    {
        for (int i = from; i < s.Length; i++)
        {
            if (s[i] is '.' or '!' or '?' && (i + 1 == s.Length || char.IsWhiteSpace(s[i + 1])))
            {
                return i + 1;
            }
        }
        return s.Length;
    }

    private void OnList(ListBlock list)
    {
        _lastExampleParagraph = null;
        foreach (var child in list)
        {
            if (child is not ListItemBlock item || item.Count == 0)
            {
                continue;
            }
            // From the first child, so the bullet marker is not part of the text; to the end of
            // the item, so nested lines and sub-lists stay with it.
            var span = SpanOf(item[0].Span.Start, Math.Max(item.Span.End, item[^1].Span.End));
            if (!span.IsEmpty && !SpecBoilerplate.IsBoilerplate(span))
            {
                string text = span.ToString();
                _bullets.Add(text);
                if (!AddItem(text, span) && _class is SpecSectionClass.General or SpecSectionClass.Overview)
                {
                    AddTo(_keyPoints, text);
                }
            }
            CollectCode(item);
        }
    }

    // Files the item under its section's class; false when it went to none (general, excluded).
    private bool AddItem(string text, ReadOnlySpan<char> span)
    {
        switch (_class)
        {
            case SpecSectionClass.Requirements:
                AddRequirement(text, Rfc2119.FindStrongestLevel(span) ?? RequirementLevel.Unspecified);
                return true;
            case SpecSectionClass.Constraints:
                AddTo(_constraints, text);
                return true;
            case SpecSectionClass.Examples:
                AddTo(_examples, text);
                return true;
            case SpecSectionClass.Excluded:
                return false;
            default:
                if (Rfc2119.FindStrongestLevel(span) is { } level)
                {
                    AddRequirement(text, level);
                    return true;
                }
                return false;
        }
    }

    // Code inside list items and quotes is still code of the spec.
    private void CollectCode(ContainerBlock container)
    {
        foreach (var block in container)
        {
            if (block is CodeBlock code and not YamlFrontMatterBlock)
            {
                _codeBlocks.Add(ToCodeBlock(code));
            }
            else if (block is ContainerBlock inner)
            {
                CollectCode(inner);
            }
        }
    }

    private void OnCode(CodeBlock code)
    {
        _codeBlocks.Add(ToCodeBlock(code));
        if (_class != SpecSectionClass.Examples)
        {
            _lastExampleParagraph = null;
            return;
        }
        ReadOnlySpan<char> span;
        if (_lastExampleParagraph is { } lead && _examples.Count > 0)
        {
            // The lead paragraph and its code are adjacent in the source: one slice keeps both.
            span = SpanOf(lead.Span.Start, code.Span.End);
            _examples.RemoveAt(_examples.Count - 1);
        }
        else
        {
            // From the start of the line: an indented code block is code only with its indent.
            span = LineOf(code.Span.Start, code.Span.End);
        }
        if (!span.IsEmpty)
        {
            AddTo(_examples, span.ToString());
        }
        _lastExampleParagraph = null;
    }

    private static SpecCodeBlock ToCodeBlock(CodeBlock code)
    {
        string language = code is FencedCodeBlock fenced ? fenced.Info ?? "" : "";
        return new SpecCodeBlock(language, code.Lines.ToString());
    }

    private void OnTable(Table table)
    {
        _lastExampleParagraph = null;
        // Each data row is one item; the header row and the delimiter row only label columns.
        foreach (var child in table)
        {
            if (child is TableRow { IsHeader: false } row)
            {
                // A row's span starts at its first cell; the whole source line keeps the pipes,
                // so the item still reads as a table row.
                var span = LineOf(row.Span.Start, row.Span.End);
                if (!span.IsEmpty && !SpecBoilerplate.IsBoilerplate(span.Trim().Trim('|')))
                {
                    AddItem(span.ToString(), span);
                }
            }
        }
    }

    // The full lines a span touches, leading indentation kept, trailing whitespace dropped.
    private ReadOnlySpan<char> LineOf(int start, int endInclusive)
    {
        if (start < 0 || endInclusive < start || start >= _text.Length)
        {
            return [];
        }
        int lineStart = start == 0 ? 0 : _text.LastIndexOf('\n', start - 1) + 1;
        int lineEnd = _text.IndexOf('\n', Math.Min(endInclusive, _text.Length - 1));
        if (lineEnd < 0)
        {
            lineEnd = _text.Length;
        }
        return _text.AsSpan(lineStart, lineEnd - lineStart).TrimEnd();
    }

    private ReadOnlySpan<char> SpanOf(int start, int endInclusive)
    {
        if (start < 0 || endInclusive < start || start >= _text.Length)
        {
            return [];
        }
        int end = Math.Min(endInclusive + 1, _text.Length);
        return _text.AsSpan(start, end - start).Trim();
    }
}
