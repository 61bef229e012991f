using System.Text.Json.Serialization;
using ToolGrains.Core.Protocol;

namespace ToolGrains.Core.Specs;

/// <summary>The RFC 2119 / RFC 8174 keyword that makes a sentence a requirement.</summary>
public enum RequirementLevel
{
    /// <summary>A requirement by its section heading alone, without a keyword.</summary>
    Unspecified = 0,
    Must,
    MustNot,
    Shall,
    ShallNot,
    Required,
    Should,
    ShouldNot,
    Recommended,
    NotRecommended,
    May,
    Optional,
}

/// <summary>One requirement: its text as it stands in the source, and its RFC 2119 level.</summary>
public sealed record Requirement(string Text, RequirementLevel Level)
{
    /// <summary>
    /// Value for a reader, 0 first: MUST, MUST NOT, SHALL, SHALL NOT, REQUIRED (0); SHOULD, SHOULD NOT,
    /// RECOMMENDED, NOT RECOMMENDED and requirements by their heading alone (1); MAY, OPTIONAL (2).
    /// </summary>
    public static int Rank(RequirementLevel level) => level switch
    {
        RequirementLevel.Must or RequirementLevel.MustNot or RequirementLevel.Shall or RequirementLevel.ShallNot or RequirementLevel.Required => 0,
        RequirementLevel.May or RequirementLevel.Optional => 2,
        _ => 1,
    };
}

/// <summary>
/// Something the caller should know about the answer: <c>unclosed_fence</c>, <c>yaml_not_openapi</c>,
/// <c>summary_truncated</c>, <c>item_truncated</c>.
/// </summary>
public sealed record SpecWarning(string Code, string Message);

/// <summary>A fenced or indented code block; <see cref="Language"/> is empty when the fence names none.</summary>
public sealed record SpecCodeBlock(string Language, string Code);

/// <summary>
/// What extraction found. Every item except code blocks' <see cref="SpecCodeBlock.Code"/> is a
/// contiguous slice of the (line-ending normalized) source, so it reads as the author wrote it.
/// </summary>
public sealed record SpecSections(
    string Overview,
    IReadOnlyList<Requirement> Requirements,
    IReadOnlyList<string> Constraints,
    IReadOnlyList<string> Examples,
    IReadOnlyList<SpecCodeBlock> CodeBlocks,
    IReadOnlyList<string> Bullets,
    IReadOnlyList<string>? KeyPoints = null,
    IReadOnlyDictionary<string, string>? Paths = null,
    IReadOnlyList<SpecWarning>? Warnings = null)
{
    public static SpecSections Empty { get; } = new("", [], [], [], [], []);

    /// <summary>
    /// The bullets a summary shows as key points: those of general sections, not classified, not
    /// boilerplate, not under Non-Goals or alternatives. Null when the parser did not say (then the
    /// summary uses the bullets that are none of the other sections).
    /// </summary>
    public IReadOnlyList<string>? KeyPoints { get; init; } = KeyPoints;

    /// <summary>Where an item stands: its heading path, e.g. <c>Design Details › Scheduling</c>, by item text.</summary>
    public IReadOnlyDictionary<string, string>? Paths { get; init; } = Paths;

    /// <summary>What the parser noticed and the caller should know (an unclosed fence, YAML that is not OpenAPI).</summary>
    public IReadOnlyList<SpecWarning>? Warnings { get; init; } = Warnings;
}

/// <summary>Counts of the full text; <see cref="SummaryTokens"/> is set when a token budget was given.</summary>
public sealed record SpecStats(int Chars, int Words, int Lines, bool Summarized, int SummaryChars,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? SummaryTokens = null);

/// <summary>The answer of <c>extract_spec_from_file</c> (docs/architecture.md).</summary>
public sealed record SpecExtractionResult(string OverseerSpec, string FullSpec, SpecSections Sections, SpecStats Stats,
    IReadOnlyList<SpecWarning>? Warnings = null)
{
    /// <summary>The protocol's answer document, snake_case keys; requirements as their text.</summary>
    public string ToJson() => ProtocolJson.Serialize(SpecResponse.From(this));
}
