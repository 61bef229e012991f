using System.Text.RegularExpressions;

namespace ToolGrains.Core.Specs;

/// <summary>
/// Text that fills a template rather than saying something: questionnaire answers on their own
/// ("No.", "N/A", "None.", "TBD"), checklist entries ("[ ] ..."), template instructions
/// ("ACTION REQUIRED"), and lists of links alone (a table of contents). Such items are dropped
/// from every section.
/// </summary>
public static partial class SpecBoilerplate
{
    [GeneratedRegex(@"^(?:no|none|nope|n/?a|not applicable|not yet|tbd|tbc|todo|yes|nothing|same as above|see above|-+)[.!]?$",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ShortAnswerRegex();

    [GeneratedRegex(@"^<?https?://\S+?>?$", RegexOptions.CultureInvariant)]
    private static partial Regex BareUrlRegex();

    [GeneratedRegex(@"^\[[ xX]\]\s", RegexOptions.CultureInvariant)]
    private static partial Regex ChecklistRegex();

    [GeneratedRegex(@"ACTION REQUIRED|<!--|-->", RegexOptions.CultureInvariant)]
    private static partial Regex TemplateMarkerRegex();

    // Inline links and images, and reference links; a list marker at a line start.
    [GeneratedRegex(@"!?\[[^\]\n]*\]\([^)\n]*\)|\[[^\]\n]*\]\[[^\]\n]*\]|(?m)^\s*(?:[-*+]|\d{1,9}[.)])(?=\s|$)", RegexOptions.CultureInvariant)]
    private static partial Regex LinkOrMarkerRegex();

    /// <summary>True when <paramref name="item"/> (a paragraph, list item or table row) is template filler.</summary>
    public static bool IsBoilerplate(ReadOnlySpan<char> item)
    {
        var core = item.Trim().Trim("*_` \t");
        if (core.IsEmpty)
        {
            return true;
        }
        if (core.Length <= 20 && ShortAnswerRegex().IsMatch(core) || BareUrlRegex().IsMatch(core))
        {
            return true;
        }
        if (ChecklistRegex().IsMatch(item.TrimStart()) || TemplateMarkerRegex().IsMatch(item))
        {
            return true;
        }
        return IsLinkOnly(item);
    }

    /// <summary>True when nothing but links, list markers and punctuation remain once links are removed.</summary>
    public static bool IsLinkOnly(ReadOnlySpan<char> item)
    {
        if (item.IndexOf("](") < 0 && item.IndexOf("][") < 0)
        {
            return false;
        }
        int last = 0;
        foreach (var m in LinkOrMarkerRegex().EnumerateMatches(item))
        {
            if (HasWordCharacter(item[last..m.Index]))
            {
                return false;
            }
            last = m.Index + m.Length;
        }
        return !HasWordCharacter(item[last..]);
    }

    private static bool HasWordCharacter(ReadOnlySpan<char> text)
    {
        foreach (char c in text)
        {
            if (char.IsLetterOrDigit(c))
            {
                return true;
            }
        }
        return false;
    }
}
