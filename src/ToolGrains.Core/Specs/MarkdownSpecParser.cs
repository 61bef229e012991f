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
public sealed class MarkdownSpecParser
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

    // The open headings, innermost last: a heading without keywords inherits the class of the
    // nearest enclosing one, and a heading of the same or a higher level closes deeper ones.
    private readonly List<(int Level, SpecSectionClass Class)> _headings = [];
    private HeadingBlock? _title;
    private SpecSectionClass _class = SpecSectionClass.General;

    // Overview: a paragraph under an Overview-like heading wins, then the first prose paragraph
    // of a general section, then the first paragraph at all.
    private string? _overviewFromOverviewSection;
    private string? _overviewGeneral;
    private string? _overviewAny;

    // An example paragraph directly followed by a code block ("Request:" + fence) is one example.
    private Block? _lastExampleParagraph;

    private MarkdownSpecParser(string text) => _text = text;

    /// <summary>Parses <paramref name="text"/> (line endings already normalized) into sections.</summary>
    public static SpecSections Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var document = Markdown.Parse(text, Pipeline);
        var parser = new MarkdownSpecParser(text) { _title = FindTitle(document) };
        parser.Walk(document, topLevel: true);
        return parser.ToSections();
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
        _requirements, _constraints, _examples, _codeBlocks, _bullets);

    private void Walk(ContainerBlock container, bool topLevel)
    {
        foreach (var block in container)
        {
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
        // The raw span is classified: '#' marks and a setext underline hold no keyword, and this
        // spares a string per heading. Nested sections inherit unless their heading says otherwise.
        var own = HeadingClassifier.Classify(SpanOf(heading.Span.Start, heading.Span.End));
        var parent = _headings.Count > 0 ? _headings[^1].Class : SpecSectionClass.General;
        _class = own ?? parent;
        _headings.Add((heading.Level, ReferenceEquals(heading, _title) ? SpecSectionClass.General : _class));
        _lastExampleParagraph = null;
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

        if (topLevel)
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
                    _requirements.Add(new Requirement(span.ToString(), Rfc2119.FindLevel(span) ?? RequirementLevel.Unspecified));
                }
                break;
            case SpecSectionClass.Constraints:
                if (span[^1] != ':')
                {
                    _constraints.Add(span.ToString());
                }
                break;
            case SpecSectionClass.Examples:
                _examples.Add(span.ToString());
                _lastExampleParagraph = paragraph;
                break;
            default:
                AddKeywordSentences(span);
                break;
        }
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

    // Prose: a sentence, not a badge line, a version stamp or a lone link.
    private static bool IsProse(ReadOnlySpan<char> span) =>
        !span.StartsWith("![", StringComparison.Ordinal) && SpecText.CountWords(span[..Math.Min(span.Length, 200)]) >= 3;

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
                _requirements.Add(new Requirement(sentence.ToString(), Rfc2119.ToLevel(span.Slice(m.Index, m.Length))));
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
            if (!span.IsEmpty)
            {
                string text = span.ToString();
                _bullets.Add(text);
                AddItem(text, span);
            }
            CollectCode(item);
        }
    }

    private void AddItem(string text, ReadOnlySpan<char> span)
    {
        switch (_class)
        {
            case SpecSectionClass.Requirements:
                _requirements.Add(new Requirement(text, Rfc2119.FindLevel(span) ?? RequirementLevel.Unspecified));
                break;
            case SpecSectionClass.Constraints:
                _constraints.Add(text);
                break;
            case SpecSectionClass.Examples:
                _examples.Add(text);
                break;
            default:
                if (Rfc2119.FindLevel(span) is { } level)
                {
                    _requirements.Add(new Requirement(text, level));
                }
                break;
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
            _examples.Add(span.ToString());
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
                if (!span.IsEmpty)
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
