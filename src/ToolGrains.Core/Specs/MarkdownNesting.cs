namespace ToolGrains.Core.Specs;

/// <summary>
/// How deep a Markdown text nests lists and block quotes, measured in one pass over its lines
/// before Markdig sees it: Markdig refuses about 64 nested lists or 128 quotes with an exception,
/// and a 4 MB list nested 2,000 deep costs it 25 s before it does.
/// </summary>
public static class MarkdownNesting
{
    /// <summary>Most list and quote levels a document may nest; real specifications stay below 10.</summary>
    public const int MaxDepth = 32;

    /// <summary>
    /// The deepest nesting of list items and quotes on any line outside fenced code: the
    /// <c>&gt;</c> markers of the line, the list markers on it, and the list items it is indented under.
    /// Stops counting once <paramref name="stopAbove"/> is exceeded.
    /// </summary>
    public static int Depth(ReadOnlySpan<char> text, int stopAbove = int.MaxValue)
    {
        Span<int> stack = stackalloc int[MaxDepth + 2];
        int stackCount = 0; // indentation columns of the open list items, innermost last
        int max = 0;
        char fence = '\0';
        int fenceLength = 0;
        while (!text.IsEmpty)
        {
            int nl = text.IndexOf('\n');
            var line = nl < 0 ? text : text[..nl];
            text = nl < 0 ? [] : text[(nl + 1)..];

            int i = 0, col = 0, quotes = 0, markers = 0, firstMarkerCol = -1;
            while (true)
            {
                while (i < line.Length && line[i] is ' ' or '\t')
                {
                    col += line[i] == '\t' ? 4 - col % 4 : 1;
                    i++;
                }
                if (i >= line.Length)
                {
                    break;
                }
                if (line[i] == '>')
                {
                    quotes++;
                    i++;
                    col++;
                    continue;
                }
                int markerEnd = ListMarkerEnd(line, i);
                if (markerEnd > i && fence == '\0')
                {
                    if (firstMarkerCol < 0)
                    {
                        firstMarkerCol = col;
                    }
                    markers++;
                    col += markerEnd - i;
                    i = markerEnd;
                    continue;
                }
                break;
            }

            // Fenced code: nothing inside counts, however it is indented.
            var rest = line[i..];
            if (fence != '\0')
            {
                if (rest.Length >= fenceLength && rest[..fenceLength].IndexOfAnyExcept(fence) < 0 && rest[fenceLength..].Trim().IndexOfAnyExcept(fence) < 0)
                {
                    fence = '\0';
                }
                continue;
            }
            if (rest.StartsWith("```") || rest.StartsWith("~~~"))
            {
                fence = rest[0];
                fenceLength = rest.Length - rest.TrimStart(fence).Length;
            }

            if (i >= line.Length && markers == 0 && quotes == 0)
            {
                continue; // blank lines keep lists open
            }
            int listDepth = 0;
            if (firstMarkerCol >= 0)
            {
                while (stackCount > 0 && stack[stackCount - 1] >= firstMarkerCol)
                {
                    stackCount--;
                }
                listDepth = stackCount + markers;
                for (int m = 0; m < markers && stackCount < stack.Length; m++)
                {
                    stack[stackCount++] = firstMarkerCol + m;
                }
            }
            else if (col == 0 || quotes > 0 && col <= quotes * 2)
            {
                stackCount = 0; // text at the margin ends the lists
            }
            int depth = quotes + listDepth;
            if (depth > max)
            {
                max = depth;
                if (max > stopAbove)
                {
                    return max;
                }
            }
        }
        return max;
    }

    // The index after "- ", "* ", "+ ", "1. " or "1) " at i (or at the line end), else i.
    private static int ListMarkerEnd(ReadOnlySpan<char> line, int i)
    {
        int j = i;
        if (line[j] is '-' or '*' or '+')
        {
            j++;
        }
        else
        {
            while (j < line.Length && j - i < 9 && char.IsAsciiDigit(line[j]))
            {
                j++;
            }
            if (j == i || j >= line.Length || line[j] is not ('.' or ')'))
            {
                return i;
            }
            j++;
        }
        return j == line.Length || line[j] is ' ' or '\t' ? j : i;
    }
}
