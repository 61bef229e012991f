namespace ToolGrains.Core.Specs;

/// <summary>When the extractor summarizes.</summary>
public enum SummarizeMode
{
    /// <summary><c>overseer_spec</c> is the full text.</summary>
    Never,
    /// <summary>Summarize texts longer than the threshold, or than <c>max_length</c> (the protocol's <c>summarize: true</c>).</summary>
    Auto,
    /// <summary>Summarize whatever the length (the CLI's <c>--summarize</c>).</summary>
    Always,
}

/// <summary>
/// Spec extraction (docs/architecture.md <c>extract_spec_from_file</c>): a Markdown or OpenAPI 3 text into
/// sections and an <c>overseer_spec</c> that fits <c>max_length</c>. Pure and thread-safe.
/// </summary>
public sealed class SpecExtractor(SpecExtractionOptions? options = null)
{
    /// <summary>An extractor with the default options.</summary>
    public static SpecExtractor Default { get; } = new();

    public SpecExtractionOptions Options { get; } = options ?? SpecExtractionOptions.Default;

    /// <summary>The protocol's form: <paramref name="summarize"/> true means <see cref="SummarizeMode.Auto"/>.</summary>
    public SpecExtractionResult Extract(string text, bool summarize = true, int maxLength = SpecExtractionOptions.DefaultMaxLength, int? maxTokens = null) =>
        Extract(text, summarize ? SummarizeMode.Auto : SummarizeMode.Never, maxLength, maxTokens);

    /// <summary>
    /// Extracts sections from <paramref name="text"/> and summarizes per <paramref name="mode"/>, within
    /// <paramref name="maxLength"/> characters and, when given, <paramref name="maxTokens"/> o200k tokens.
    /// </summary>
    /// <exception cref="ToolGrainsException"><c>invalid_request</c> when a budget is below 1 or the document nests too deeply.</exception>
    public SpecExtractionResult Extract(string text, SummarizeMode mode, int maxLength = SpecExtractionOptions.DefaultMaxLength, int? maxTokens = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        ValidateBudgets(maxLength, maxTokens);
        // A text sent whole (extract_spec_from_file's "text", ISpecExtractorGrain.ExtractTextAsync) meets the file limit
        // too: without it a caller could hold a silo's core for minutes with one call (60 million characters: > 30 s).
        if (text.Length > Options.MaxFileSizeBytes || System.Text.Encoding.UTF8.GetByteCount(text) > Options.MaxFileSizeBytes)
        {
            throw new ToolGrainsException(ErrorCodes.FileTooLarge,
                $"The text is more than the limit of {Options.MaxFileSizeBytes} bytes (UTF-8), as a file would be.", "text");
        }

        // One line ending from here on: items are slices of this text, and a summary that mixed
        // CRLF items with LF scaffolding would be neither.
        string normalized = SpecText.NormalizeLineEndings(text);
        var sections = ExtractSections(normalized);
        int words = SpecText.CountWords(normalized);
        int lines = SpecText.CountLines(normalized);

        bool summarize = mode switch
        {
            SummarizeMode.Always => true,
            // Also when shorter than the threshold but longer than max_length: summarize: true
            // promises an overseer_spec within max_length.
            // A token is at least a character, so only a text longer than max_tokens is counted.
            SummarizeMode.Auto => normalized.Length > Options.SummarizeThreshold || normalized.Length > maxLength
                || (maxTokens is { } t && normalized.Length > t && SpecTokens.Count(normalized) > t),
            _ => false,
        };
        var warnings = new List<SpecWarning>(sections.Warnings ?? []);
        string overseer = normalized;
        int? tokens = null;
        if (summarize)
        {
            var summary = SpecSummaryBuilder.Build(sections, normalized.Length, words, maxLength, Options, maxTokens);
            overseer = summary.Text;
            tokens = summary.Tokens;
            warnings.AddRange(summary.Warnings);
        }
        return new SpecExtractionResult(overseer, normalized, sections,
            new SpecStats(normalized.Length, words, lines, summarize, overseer.Length, tokens), warnings);
    }

    /// <summary>
    /// Sections only: OpenAPI 3 documents by their content, everything else as Markdown; YAML or JSON
    /// that is not OpenAPI 3 is read as Markdown too, with a <c>yaml_not_openapi</c> warning.
    /// </summary>
    public static SpecSections ExtractSections(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (OpenApiSpecParser.TryParse(text) is { } openApi)
        {
            return openApi;
        }
        var sections = MarkdownSpecParser.Parse(text);
        if (OpenApiSpecParser.DescribeStructuredNonOpenApi(text) is { } what)
        {
            sections = sections with
            {
                Warnings = [.. sections.Warnings ?? [], new SpecWarning("yaml_not_openapi",
                    $"the document is {what}, not an OpenAPI 3 document (no top-level 'openapi' key); it was read as Markdown text")],
            };
        }
        return sections;
    }

    /// <summary>Reads <paramref name="path"/> (see <see cref="SpecFileReader"/> for the errors) and extracts it.</summary>
    /// <exception cref="ToolGrainsException">The request or the file is refused; <see cref="ToolGrainsException.Code"/> says why.</exception>
    public SpecExtractionResult ExtractFromFile(string path, bool summarize = true, int maxLength = SpecExtractionOptions.DefaultMaxLength, int? maxTokens = null) =>
        ExtractFromFile(path, summarize ? SummarizeMode.Auto : SummarizeMode.Never, maxLength, maxTokens);

    /// <inheritdoc cref="ExtractFromFile(string, bool, int, int?)"/>
    public SpecExtractionResult ExtractFromFile(string path, SummarizeMode mode, int maxLength = SpecExtractionOptions.DefaultMaxLength, int? maxTokens = null)
    {
        // The cheap argument check first: a bad max_length should not cost a 50 MB read.
        ValidateBudgets(maxLength, maxTokens);
        return Extract(SpecFileReader.ReadAllText(path, Options.MaxFileSizeBytes), mode, maxLength, maxTokens);
    }

    /// <summary>Refuses a <paramref name="maxLength"/> or <paramref name="maxTokens"/> below 1, naming the field.</summary>
    public static void ValidateBudgets(int maxLength, int? maxTokens)
    {
        if (maxLength < 1)
        {
            throw new ToolGrainsException(ErrorCodes.InvalidRequest,
                $"max_length must be at least 1, got {maxLength}", "max_length");
        }
        if (maxTokens < 1)
        {
            throw new ToolGrainsException(ErrorCodes.InvalidRequest,
                $"max_tokens must be at least 1, got {maxTokens}", "max_tokens");
        }
    }
}
