using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace ToolGrains.Core.Protocol;

/// <summary>YAML a loader refuses before building it: too deep, or aliases that expand too far.</summary>
public sealed class YamlLimitException(string message) : Exception(message);

/// <summary>
/// Loads YAML with bounds on what a small document can make a reader build. Anchors and aliases
/// let 422 bytes stand for hundreds of millions of nodes (the "billion laughs"): every walker that
/// expands them (to JSON, to plain objects) then runs out of memory. One pass over the parser's
/// events first measures the document as if every alias were expanded, and refuses it when that
/// is more than <c>10,000 + 2 × its length</c> nodes or nests deeper than <see cref="MaxDepth"/>;
/// an alias of an anchor still open (a cycle) is refused too. The spec extractor's OpenAPI reader
/// and the tool-descriptor loader both load YAML only through here.
/// </summary>
public static class YamlLimits
{
    /// <summary>Deepest nesting of mappings and sequences. Real OpenAPI documents and tool files stay below 30.</summary>
    public const int MaxDepth = 64;

    /// <summary>The most nodes a document of <paramref name="length"/> characters may expand to.</summary>
    public static long MaxExpandedNodes(int length) => 10_000 + 2L * length;

    /// <summary>Loads <paramref name="text"/> after checking it against the bounds.</summary>
    /// <exception cref="YamlLimitException">The document is too deep or expands too far.</exception>
    /// <exception cref="YamlException">The document is not valid YAML.</exception>
    public static YamlStream Load(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Check(text);
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream;
    }

    /// <summary>Measures <paramref name="text"/> as if expanded, without building it.</summary>
    /// <exception cref="YamlLimitException">The document is too deep or expands too far.</exception>
    /// <exception cref="YamlException">The document is not valid YAML.</exception>
    public static void Check(string text)
    {
        long budget = MaxExpandedNodes(text.Length);
        var parser = new Parser(new StringReader(text));
        var anchors = new Dictionary<string, long>(StringComparer.Ordinal);
        var open = new List<(string? Anchor, long Size)>();
        long total = 0;

        void Close(long size, string? anchor)
        {
            if (anchor is not null)
            {
                anchors[anchor] = size;
            }
            if (open.Count > 0)
            {
                var top = open[^1];
                open[^1] = (top.Anchor, top.Size + size);
                size = open[^1].Size;
            }
            else
            {
                total += size;
                size = total;
            }
            if (size > budget)
            {
                throw new YamlLimitException(
                    $"the YAML expands to more than {budget} nodes through its aliases (it has {text.Length} characters); aliases that multiply a document are refused");
            }
        }

        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case DocumentStart:
                    anchors.Clear(); // anchors are local to their document
                    break;
                case Scalar scalar:
                    Close(1, AnchorOf(scalar));
                    break;
                case MappingStart or SequenceStart:
                    if (open.Count >= MaxDepth)
                    {
                        throw new YamlLimitException($"the YAML nests mappings and sequences more than {MaxDepth} levels deep");
                    }
                    open.Add((AnchorOf((NodeEvent)parser.Current), 1));
                    break;
                case MappingEnd or SequenceEnd:
                    var (anchor, size) = open[^1];
                    open.RemoveAt(open.Count - 1);
                    Close(size, anchor);
                    break;
                case AnchorAlias alias:
                    if (!anchors.TryGetValue(alias.Value.Value, out long aliased))
                    {
                        throw new YamlLimitException($"the YAML alias *{alias.Value.Value} names an anchor that is not complete before it (a cycle or a forward reference)");
                    }
                    Close(aliased, null);
                    break;
            }
        }
    }

    private static string? AnchorOf(NodeEvent node) => node.Anchor.IsEmpty ? null : node.Anchor.Value;
}
