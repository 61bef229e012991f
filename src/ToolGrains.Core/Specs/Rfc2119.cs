using System.Text.RegularExpressions;

namespace ToolGrains.Core.Specs;

/// <summary>Finds RFC 2119 / RFC 8174 keywords: upper case, whole words; lower-case "must" is prose.</summary>
public static partial class Rfc2119
{
    // Case-sensitive on purpose: RFC 8174 gives the keywords their meaning only in capitals.
    // Longer forms come first so "MUST NOT" wins over "MUST", "NOT RECOMMENDED" over "RECOMMENDED".
    [GeneratedRegex(@"\b(?:MUST\s+NOT|SHALL\s+NOT|SHOULD\s+NOT|NOT\s+RECOMMENDED|MUST|SHALL|SHOULD|REQUIRED|RECOMMENDED|MAY|OPTIONAL)\b",
        RegexOptions.CultureInvariant)]
    internal static partial Regex KeywordRegex();

    /// <summary>The level of the first keyword in <paramref name="text"/>, or null when it has none.</summary>
    public static RequirementLevel? FindLevel(ReadOnlySpan<char> text)
    {
        foreach (var m in KeywordRegex().EnumerateMatches(text))
        {
            return ToLevel(text.Slice(m.Index, m.Length));
        }
        return null;
    }

    /// <summary>
    /// The level of the strongest keyword in <paramref name="text"/> (MUST over SHOULD over MAY, see
    /// <see cref="Requirement.Rank"/>), the first of equals; null when it has none.
    /// </summary>
    public static RequirementLevel? FindStrongestLevel(ReadOnlySpan<char> text)
    {
        RequirementLevel? best = null;
        foreach (var m in KeywordRegex().EnumerateMatches(text))
        {
            var level = ToLevel(text.Slice(m.Index, m.Length));
            if (best is null || Requirement.Rank(level) < Requirement.Rank(best.Value))
            {
                best = level;
                if (Requirement.Rank(level) == 0)
                {
                    break;
                }
            }
        }
        return best;
    }

    /// <summary>True when <paramref name="text"/> holds at least one keyword.</summary>
    public static bool Contains(ReadOnlySpan<char> text) => KeywordRegex().IsMatch(text);

    internal static RequirementLevel ToLevel(ReadOnlySpan<char> keyword)
    {
        // The match may hold any whitespace between the words; the first and last word decide.
        bool negated = keyword.StartsWith("NOT", StringComparison.Ordinal) || keyword.EndsWith("NOT", StringComparison.Ordinal);
        return keyword[..Math.Min(keyword.Length, 3)] switch
        {
            "MUS" => negated ? RequirementLevel.MustNot : RequirementLevel.Must,
            "SHA" => negated ? RequirementLevel.ShallNot : RequirementLevel.Shall,
            "SHO" => negated ? RequirementLevel.ShouldNot : RequirementLevel.Should,
            "NOT" => RequirementLevel.NotRecommended,
            "REQ" => RequirementLevel.Required,
            "REC" => RequirementLevel.Recommended,
            "MAY" => RequirementLevel.May,
            _ => RequirementLevel.Optional,
        };
    }
}
