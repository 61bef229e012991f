namespace ToolGrains.Core.Specs;

/// <summary>Limits and budgets of spec extraction (DESIGN.md §5 <c>extract_spec_from_file</c>).</summary>
public sealed record SpecExtractionOptions
{
    /// <summary>The <c>max_length</c> of a request that gives none. Default 10,000 characters.</summary>
    public const int DefaultMaxLength = 10_000;

    /// <summary>The options every caller gets unless it configures others.</summary>
    public static SpecExtractionOptions Default { get; } = new();

    /// <summary>
    /// With summarize requested, texts longer than this are summarized. Default 10,000 characters.
    /// A text that is shorter but still longer than <c>max_length</c> is summarized too, so that
    /// <c>overseer_spec</c> never exceeds <c>max_length</c> when summarizing was asked for.
    /// </summary>
    public int SummarizeThreshold { get; init; } = 10_000;

    /// <summary>Most characters the Overview section of a summary takes, heading included. Default 2,000.</summary>
    public int OverviewBudget { get; init; } = 2_000;

    /// <summary>Most characters the Requirements section of a summary takes, heading included. Default 2,000.</summary>
    public int RequirementsBudget { get; init; } = 2_000;

    /// <summary>Most characters the Constraints section of a summary takes, heading included. Default 1,000.</summary>
    public int ConstraintsBudget { get; init; } = 1_000;

    /// <summary>Most characters the Examples section of a summary takes, heading included. Default 2,000.</summary>
    public int ExamplesBudget { get; init; } = 2_000;

    /// <summary>Most bullets the Key points section of a summary shows. Default 20.</summary>
    public int MaxKeyPoints { get; init; } = 20;

    /// <summary>Files larger than this are refused with <c>file_too_large</c>. Default 50 MiB (52,428,800 bytes).</summary>
    public long MaxFileSizeBytes { get; init; } = 50L * 1024 * 1024;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> when a value makes no sense; hosts call it at start-up.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(SummarizeThreshold);
        ArgumentOutOfRangeException.ThrowIfNegative(OverviewBudget);
        ArgumentOutOfRangeException.ThrowIfNegative(RequirementsBudget);
        ArgumentOutOfRangeException.ThrowIfNegative(ConstraintsBudget);
        ArgumentOutOfRangeException.ThrowIfNegative(ExamplesBudget);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxKeyPoints);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxFileSizeBytes, 1L);
    }
}
