namespace ToolGrains.Core.Specs;

/// <summary>Text helpers shared by extraction and the summary: counting and word-safe cutting.</summary>
public static class SpecText
{
    /// <summary>Words as whitespace-separated tokens, the way <c>wc -w</c> counts them.</summary>
    public static int CountWords(ReadOnlySpan<char> text)
    {
        int words = 0;
        bool inWord = false;
        foreach (char c in text)
        {
            bool ws = char.IsWhiteSpace(c);
            if (!ws && !inWord)
            {
                words++;
            }
            inWord = !ws;
        }
        return words;
    }

    /// <summary>Lines, counting a last line without a trailing newline; 0 for empty text.</summary>
    public static int CountLines(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return 0;
        }
        int newlines = text.Count('\n');
        return text[^1] == '\n' ? newlines : newlines + 1;
    }

    /// <summary>
    /// The longest prefix of <paramref name="text"/> of at most <paramref name="maxChars"/> characters that
    /// ends at a word boundary (trailing whitespace trimmed); empty when even the first word is longer.
    /// </summary>
    public static ReadOnlySpan<char> WordPrefix(ReadOnlySpan<char> text, int maxChars)
    {
        if (maxChars <= 0)
        {
            return [];
        }
        if (text.Length <= maxChars)
        {
            return text;
        }
        // The cut is clean when the character just past it is whitespace; otherwise step back to
        // the last whitespace inside the limit so no word is split.
        int cut = maxChars;
        while (cut > 0 && !char.IsWhiteSpace(text[cut]))
        {
            cut--;
        }
        return text[..cut].TrimEnd();
    }

    /// <summary>Replaces CRLF and lone CR by LF; returns the same instance when there is nothing to do.</summary>
    public static string NormalizeLineEndings(string text)
    {
        // IndexOf is vectorized: the common LF-only file costs one scan and no copy.
        if (text.AsSpan().IndexOf('\r') < 0)
        {
            return text;
        }
        return text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
    }
}
