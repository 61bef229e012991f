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
}

/// <summary>Classifies a heading by keywords, case-insensitive, at the start of a word.</summary>
public static partial class HeadingClassifier
{
    // Keywords match at a word start so plurals and forms ("requirements", "limitations") match too.
    // Checked in this order on purpose: "Non-functional requirements" and "Performance requirements"
    // are constraints although they say "requirements"; "Examples of requirements" are examples.
    [GeneratedRegex(@"\b(?:constraint|limit|restriction|non-?functional|performance|security|quota|rate[- ]limit|scalab|reliab|availab|compliance|sla\b)",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ConstraintsRegex();

    [GeneratedRegex(@"\b(?:example|sample|demo|usage|walkthrough|tutorial)",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ExamplesRegex();

    [GeneratedRegex(@"\b(?:requirement|must[- ]?have|feature|functional|goal|user stor|acceptance criteri|capabilit)",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RequirementsRegex();

    [GeneratedRegex(@"\b(?:overview|introduction|summary|purpose|background|abstract|about|description|scope)\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex OverviewRegex();

    /// <summary>The class the heading text names, or null when it names none (and so inherits).</summary>
    public static SpecSectionClass? Classify(ReadOnlySpan<char> headingText)
    {
        if (ConstraintsRegex().IsMatch(headingText))
        {
            return SpecSectionClass.Constraints;
        }
        if (ExamplesRegex().IsMatch(headingText))
        {
            return SpecSectionClass.Examples;
        }
        if (RequirementsRegex().IsMatch(headingText))
        {
            return SpecSectionClass.Requirements;
        }
        if (OverviewRegex().IsMatch(headingText))
        {
            return SpecSectionClass.Overview;
        }
        return null;
    }
}
