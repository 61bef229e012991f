using System.Text.RegularExpressions;

namespace ToolGrains.Core.Specs;

/// <summary>The class a heading gives its section (and the sections nested under it).</summary>
public enum SpecSectionClass
{
    /// <summary>No keyword: content is a requirement only by RFC 2119 keywords, lists are key points.</summary>
    General = 0,
    Overview,
    Requirements,
    Constraints,
    Examples,
    /// <summary>
    /// What the document says it does not do or did not choose: Non-Goals, out of scope,
    /// alternatives considered, drawbacks, a table of contents. Nothing in it is a requirement,
    /// a constraint or a key point, whatever its keywords.
    /// </summary>
    Excluded,
}

/// <summary>
/// Classifies a heading the way a reader would. Strong keywords ("Requirements", "Constraints",
/// "Examples", "Overview") classify wherever they stand as a word; weak ones ("Features", "Goals",
/// "Usage", "Performance", "Security", "Limits"...) only when they are the heading's first or last
/// word in a heading of at most three words, so "Feature Enablement and Rollback" or "Scalability
/// of the test harness" stay general. Exclusions (Non-Goals, out of scope, alternatives) win over
/// everything; a question ("Will enabling this feature...?") is a questionnaire entry, never a class.
/// </summary>
public static partial class HeadingClassifier
{
    [GeneratedRegex(@"\bnon[- ]?goals?\b|\bout[- ]of[- ]scope\b|\bnot in scope\b|\balternatives?\b|\bdrawbacks?\b|\brejected\b|\b(?:table of )?contents\b|\btoc\b|\bfuture work\b|\bopen questions?\b|\bimplementation history\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ExcludedRegex();

    // Checked in this order on purpose: "Non-functional requirements" and "Performance requirements"
    // are constraints although they say "requirements"; "Examples of requirements" are examples.
    [GeneratedRegex(@"\b(?:constraint|limitation|restriction|non-?functional|quota|rate[- ]limit|sla\b)",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex StrongConstraintsRegex();

    [GeneratedRegex(@"\b(?:examples?\b|samples?\b|walkthrough)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex StrongExamplesRegex();

    [GeneratedRegex(@"\b(?:requirements?\b|must[- ]?haves?\b|user stor|acceptance criteri)",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex StrongRequirementsRegex();

    [GeneratedRegex(@"\b(?:overview|introduction|summary|abstract)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex StrongOverviewRegex();

    [GeneratedRegex(@"[\p{L}\p{N}][\p{L}\p{N}'-]*", RegexOptions.CultureInvariant)]
    private static partial Regex WordRegex();

    [GeneratedRegex(@"^(?:limits?|performance|security|scalability|reliability|availability|compliance)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex WeakConstraintWord();

    [GeneratedRegex(@"^(?:demos?|usage|tutorials?)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex WeakExampleWord();

    [GeneratedRegex(@"^(?:features?|goals?|capabilities|functional|functionality)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex WeakRequirementWord();

    [GeneratedRegex(@"^(?:purpose|background|about|description|scope|motivation)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex WeakOverviewWord();

    /// <summary>The class the heading text names, or null when it names none (and so inherits).</summary>
    public static SpecSectionClass? Classify(ReadOnlySpan<char> headingText)
    {
        headingText = headingText.Trim().TrimStart('#').TrimEnd('#').Trim();
        if (IsQuestion(headingText))
        {
            return SpecSectionClass.General;
        }
        if (ExcludedRegex().IsMatch(headingText))
        {
            return SpecSectionClass.Excluded;
        }
        if (StrongConstraintsRegex().IsMatch(headingText))
        {
            return SpecSectionClass.Constraints;
        }
        if (StrongExamplesRegex().IsMatch(headingText))
        {
            return SpecSectionClass.Examples;
        }
        if (StrongRequirementsRegex().IsMatch(headingText))
        {
            // "Security requirements", "Performance requirements": qualities, so constraints.
            return WordRegex().Match(headingText.ToString()) is { Success: true } w && WeakConstraintWord().IsMatch(w.Value)
                ? SpecSectionClass.Constraints
                : SpecSectionClass.Requirements;
        }
        if (StrongOverviewRegex().IsMatch(headingText))
        {
            return SpecSectionClass.Overview;
        }
        return ClassifyWeak(headingText);
    }

    /// <summary>True for a questionnaire entry: the heading asks something.</summary>
    public static bool IsQuestion(ReadOnlySpan<char> headingText) => headingText.TrimEnd().EndsWith("?");

    // Weak keywords count only as the head of a short heading: "Key Features", "Goals",
    // "Performance", "Usage"; not "Feature Enablement and Rollback" nor "Usage of the test plan".
    private static SpecSectionClass? ClassifyWeak(ReadOnlySpan<char> headingText)
    {
        Span<Range> words = stackalloc Range[3];
        int count = 0;
        foreach (var m in WordRegex().EnumerateMatches(headingText))
        {
            if (count == words.Length)
            {
                return null; // more than three words: a weak keyword is not the section's subject
            }
            words[count++] = new Range(m.Index, m.Index + m.Length);
        }
        if (count == 0)
        {
            return null;
        }
        var first = headingText[words[0]];
        var last = headingText[words[count - 1]];
        if (WeakConstraintWord().IsMatch(first) || WeakConstraintWord().IsMatch(last))
        {
            return SpecSectionClass.Constraints;
        }
        if (WeakExampleWord().IsMatch(first) || WeakExampleWord().IsMatch(last))
        {
            return SpecSectionClass.Examples;
        }
        if (WeakRequirementWord().IsMatch(first) || WeakRequirementWord().IsMatch(last))
        {
            return SpecSectionClass.Requirements;
        }
        if (WeakOverviewWord().IsMatch(first) || WeakOverviewWord().IsMatch(last))
        {
            return SpecSectionClass.Overview;
        }
        return null;
    }
}
