namespace ToolGrains.Core.Specs;

/// <summary>Limits and budgets of spec extraction (the <c>extract_spec_from_file</c> operation, docs/architecture.md).</summary>
public sealed record SpecExtractionOptions
{
    /// <summary>The <c>max_length</c> of a request that gives none. Default 10,000 characters.</summary>
    public const int DefaultMaxLength = 10_000;

    /// <summary>The options every caller gets unless it configures others.</summary>
    public static SpecExtractionOptions Default { get; } = new();

    /// <summary>
    /// With summarize requested, texts longer than this are summarized. Default 10,000 characters.
    /// A text that is shorter but still longer than <c>max_length</c> (or <c>max_tokens</c>) is
    /// summarized too, so that <c>overseer_spec</c> never exceeds the budget when summarizing was asked for.
    /// </summary>
    public int SummarizeThreshold { get; init; } = 10_000;

    /// <summary>Longest overview a summary shows, in characters; a longer one is cut at a word. Default 1,500.</summary>
    public int OverviewBudget { get; init; } = 1_500;

    /// <summary>
    /// Longest item a summary shows, in characters. A longer prose item is cut at a word and marked
    /// " …"; a longer item holding a code fence is left out. Default 1,200.
    /// </summary>
    public int MaxItemChars { get; init; } = 1_200;

    /// <summary>Share of the budget, after the overview, the requirements take while others still have items. Default 0.5.</summary>
    public double RequirementsShare { get; init; } = 0.5;

    /// <summary>Share of the budget the constraints take while others still have items. Default 0.2.</summary>
    public double ConstraintsShare { get; init; } = 0.2;

    /// <summary>Share of the budget the examples take while others still have items. Default 0.2.</summary>
    public double ExamplesShare { get; init; } = 0.2;

    /// <summary>Share of the budget the key points take while others still have items. Default 0.1.</summary>
    public double KeyPointsShare { get; init; } = 0.1;

    /// <summary>Most bullets the Key points section of a summary shows. Default 20.</summary>
    public int MaxKeyPoints { get; init; } = 20;

    /// <summary>Files, and texts sent whole (UTF-8), larger than this are refused with <c>file_too_large</c>. Default 50 MiB (52,428,800 bytes).</summary>
    public long MaxFileSizeBytes { get; init; } = 50L * 1024 * 1024;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> when a value makes no sense; hosts call it at start-up.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(SummarizeThreshold);
        ArgumentOutOfRangeException.ThrowIfNegative(OverviewBudget);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxItemChars, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(RequirementsShare);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ConstraintsShare);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ExamplesShare);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(KeyPointsShare);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxKeyPoints);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxFileSizeBytes, 1L);
    }
}
