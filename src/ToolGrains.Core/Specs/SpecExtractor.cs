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
/// Spec extraction (DESIGN.md §5 <c>extract_spec_from_file</c>): a Markdown or OpenAPI 3 text into
/// sections and an <c>overseer_spec</c> that fits <c>max_length</c>. Pure and thread-safe.
/// </summary>
public sealed class SpecExtractor(SpecExtractionOptions? options = null)
{
    /// <summary>An extractor with the default options.</summary>
    public static SpecExtractor Default { get; } = new();

    public SpecExtractionOptions Options { get; } = options ?? SpecExtractionOptions.Default;

    /// <summary>The protocol's form: <paramref name="summarize"/> true means <see cref="SummarizeMode.Auto"/>.</summary>
    public SpecExtractionResult Extract(string text, bool summarize = true, int maxLength = SpecExtractionOptions.DefaultMaxLength) =>
        Extract(text, summarize ? SummarizeMode.Auto : SummarizeMode.Never, maxLength);

    /// <summary>Extracts sections from <paramref name="text"/> and summarizes per <paramref name="mode"/>.</summary>
    /// <exception cref="SpecExtractionException"><c>invalid_request</c> when <paramref name="maxLength"/> is below 1.</exception>
    public SpecExtractionResult Extract(string text, SummarizeMode mode, int maxLength = SpecExtractionOptions.DefaultMaxLength)
    {
        ArgumentNullException.ThrowIfNull(text);
        ValidateMaxLength(maxLength);

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
            SummarizeMode.Auto => normalized.Length > Options.SummarizeThreshold || normalized.Length > maxLength,
            _ => false,
        };
        string overseer = summarize
            ? SpecSummaryBuilder.Build(sections, normalized.Length, words, maxLength, Options).Text
            : normalized;
        return new SpecExtractionResult(overseer, normalized, sections,
            new SpecStats(normalized.Length, words, lines, summarize, overseer.Length));
    }

    /// <summary>Sections only: OpenAPI 3 documents by their content, everything else as Markdown.</summary>
    public static SpecSections ExtractSections(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return OpenApiSpecParser.TryParse(text) ?? MarkdownSpecParser.Parse(text);
    }

    /// <summary>Reads <paramref name="path"/> (see <see cref="SpecFileReader"/> for the errors) and extracts it.</summary>
    /// <exception cref="SpecExtractionException">The request or the file is refused; <see cref="SpecExtractionException.Code"/> says why.</exception>
    public SpecExtractionResult ExtractFromFile(string path, bool summarize = true, int maxLength = SpecExtractionOptions.DefaultMaxLength) =>
        ExtractFromFile(path, summarize ? SummarizeMode.Auto : SummarizeMode.Never, maxLength);

    /// <inheritdoc cref="ExtractFromFile(string, bool, int)"/>
    public SpecExtractionResult ExtractFromFile(string path, SummarizeMode mode, int maxLength = SpecExtractionOptions.DefaultMaxLength)
    {
        // The cheap argument check first: a bad max_length should not cost a 50 MB read.
        ValidateMaxLength(maxLength);
        return Extract(SpecFileReader.ReadAllText(path, Options.MaxFileSizeBytes), mode, maxLength);
    }

    private static void ValidateMaxLength(int maxLength)
    {
        if (maxLength < 1)
        {
            throw new SpecExtractionException(SpecExtractionException.InvalidRequest,
                $"max_length must be at least 1, got {maxLength}", "max_length");
        }
    }
}
